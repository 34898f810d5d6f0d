using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.AI;

namespace Replicate.Extensions.AI;

/// <summary>
/// An <see cref="IImageGenerator"/> over a Replicate image model (FLUX, SDXL, upscalers). The request and options
/// become the model's input through <see cref="InputMapper"/>; every file in the output becomes one content item:
/// a <see cref="DataContent"/> with the downloaded bytes by default (Replicate deletes outputs after about an hour, so
/// the bytes are what lasts), or a <see cref="UriContent"/> when <see cref="ImageGenerationOptions.ResponseFormat"/> is
/// <see cref="ImageGenerationResponseFormat.Uri"/>. Create it with <see cref="ReplicateAIExtensions.AsImageGenerator"/>.
/// Output URLs are untrusted: only HTTPS URLs on public addresses are downloaded (loopback ones too when the client's
/// API is itself on loopback, as the emulator is), without the API token, and at most 64 MiB each.
/// </summary>
/// <remarks>
/// <see cref="ImageGenerationResponse.RawRepresentation"/> is the finished <see cref="Prediction"/>. Canceling the token
/// cancels the prediction on the server (it is created without sync mode and polled, so its id is known at once). The generator does not own the <see cref="ReplicateClient"/>.
/// </remarks>
[Experimental("MEAI001")]
public sealed class ReplicateImageGenerator : IImageGenerator
{
    /// <summary>The largest image downloaded into a <see cref="DataContent"/>: far above any real image, far below what a hostile URL could send.</summary>
    private const long MaxImageBytes = 64L * 1024 * 1024;

    /// <summary>What a caller whose output URL is refused can do instead.</summary>
    private const string UriInstead = "set ImageGenerationOptions.ResponseFormat to Uri to get the URL without downloading it";

    private readonly ReplicateClient _client;
    private readonly string _defaultModelId;
    private readonly ImageGeneratorMetadata _metadata;

    /// <summary>Initializes an image generator over one model.</summary>
    /// <param name="client">The Replicate client; not owned.</param>
    /// <param name="modelId">The model to run unless <see cref="ImageGenerationOptions.ModelId"/> names another.</param>
    /// <param name="inputMapper">How the request becomes the model's input; <see langword="null"/> for the FLUX-style defaults.</param>
    /// <exception cref="FormatException"><paramref name="modelId"/> is not a model identifier.</exception>
    public ReplicateImageGenerator(ReplicateClient client, string modelId, ReplicateImageInputMapper? inputMapper = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(modelId);
        _ = ModelIdentifier.Parse(modelId);
        _client = client;
        _defaultModelId = modelId;
        InputMapper = inputMapper ?? new ReplicateImageInputMapper();
        _metadata = new ImageGeneratorMetadata("replicate", client.BaseAddress, modelId);
    }

    /// <summary>Gets the mapper that turns requests into the model's input.</summary>
    public ReplicateImageInputMapper InputMapper { get; }

    /// <inheritdoc />
    /// <exception cref="PredictionFailedException">The model failed.</exception>
    /// <exception cref="InvalidOperationException">The model's output holds no file.</exception>
    public async Task<ImageGenerationResponse> GenerateAsync(ImageGenerationRequest request, ImageGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var input = InputMapper.Map(request, options);
        var output = await _client.RunAsync(options?.ModelId ?? _defaultModelId, input, ReplicateChatClient.NoSyncWait(), cancellationToken: cancellationToken).ConfigureAwait(false);
        var files = output.AsFiles();
        if (files.Count == 0)
        {
            throw new InvalidOperationException($"Prediction {output.Prediction.Id} returned no image file; its output was: {output}");
        }

        var contents = new List<AIContent>(files.Count);
        foreach (var file in files)
        {
            if (options?.ResponseFormat is ImageGenerationResponseFormat.Uri && file.Uri.Scheme != "data")
            {
                contents.Add(new UriContent(file.Uri, MediaTypes.FromFileName(file.Uri.AbsolutePath)));
            }
            else
            {
                await OutputUrlPolicy.EnsureMayDownloadAsync(file.Uri, _client.BaseAddress, UriInstead, cancellationToken).ConfigureAwait(false);
                var bytes = await file.ReadAllBytesAsync(MaxImageBytes, cancellationToken).ConfigureAwait(false);
                contents.Add(new DataContent(bytes, file.ContentType ?? MediaTypes.Sniff(bytes) ?? MediaTypes.FromFileName(file.Uri.AbsolutePath)));
            }
        }

        return new ImageGenerationResponse(contents) { RawRepresentation = output.Prediction };
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        AdapterHelpers.GetService(serviceType, serviceKey, this, _metadata, _client);

    /// <summary>Does nothing: the <see cref="ReplicateClient"/> belongs to the caller.</summary>
    public void Dispose()
    {
    }
}
