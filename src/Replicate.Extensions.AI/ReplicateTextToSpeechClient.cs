using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Replicate.Extensions.AI;

/// <summary>
/// An <see cref="ITextToSpeechClient"/> over a Replicate speech model, <see cref="DefaultModelId"/> unless the caller
/// names another. The text and options become the model's input through <see cref="InputMapper"/>; every audio file in
/// the output is downloaded into a <see cref="DataContent"/> (Replicate deletes outputs after about an hour, so the bytes
/// are what lasts) with its media type (<c>audio/wav</c>, <c>audio/mpeg</c>, ...). Create it with
/// <see cref="ReplicateAIExtensions.AsTextToSpeechClient"/>.
/// </summary>
/// <remarks>
/// <para>Output URLs are untrusted: only HTTPS URLs on public addresses are downloaded (loopback ones too when the
/// client's API is itself on loopback, as the emulator is), without the API token, and at most 256 MiB each.</para>
/// <para>Replicate's speech models return a finished file, not audio chunks, so
/// <see cref="GetStreamingAudioAsync"/> runs the model and then yields the response as updates
/// (<see cref="TextToSpeechResponse.ToTextToSpeechResponseUpdates"/>).</para>
/// <para>The response id is the prediction id, and <see cref="TextToSpeechResponse.RawRepresentation"/> is the finished
/// <see cref="Prediction"/>. Canceling the token cancels the prediction on the server (it is created without sync mode,
/// so its id is known at once). A model that fails throws <see cref="PredictionFailedException"/>. The client does not
/// own the <see cref="ReplicateClient"/>.</para>
/// <para>Microsoft.Extensions.AI marks <see cref="ITextToSpeechClient"/> experimental (<c>MEAI001</c>); so is this type.</para>
/// </remarks>
[Experimental("MEAI001")]
public sealed class ReplicateTextToSpeechClient : ITextToSpeechClient
{
    /// <summary>The model run when the caller names none: <c>minimax/speech-02-turbo</c>.</summary>
    public const string DefaultModelId = "minimax/speech-02-turbo";

    /// <summary>What a caller whose output URL is refused can do instead.</summary>
    private const string UriInstead = "run the model with ReplicateClient.RunAsync to get the URL without downloading it";

    private readonly ReplicateClient _client;
    private readonly string _defaultModelId;
    private readonly TextToSpeechClientMetadata _metadata;

    /// <summary>Initializes a text-to-speech client over one model.</summary>
    /// <param name="client">The Replicate client; not owned.</param>
    /// <param name="modelId">The model to run unless <see cref="TextToSpeechOptions.ModelId"/> names another.</param>
    /// <param name="inputMapper">How text and options become the model's input; <see langword="null"/> for MiniMax's inputs.</param>
    /// <exception cref="FormatException"><paramref name="modelId"/> is not a model identifier.</exception>
    public ReplicateTextToSpeechClient(ReplicateClient client, string modelId = DefaultModelId, ReplicateTextToSpeechInputMapper? inputMapper = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(modelId);
        _ = ModelIdentifier.Parse(modelId);
        _client = client;
        _defaultModelId = modelId;
        InputMapper = inputMapper ?? new ReplicateTextToSpeechInputMapper();
        _metadata = new TextToSpeechClientMetadata("replicate", client.BaseAddress, modelId);
    }

    /// <summary>Gets the mapper that turns text and options into the model's input.</summary>
    public ReplicateTextToSpeechInputMapper InputMapper { get; }

    /// <inheritdoc />
    /// <exception cref="PredictionFailedException">The model failed.</exception>
    /// <exception cref="InvalidOperationException">The model's output holds no audio file; the message shows what came back.</exception>
    /// <exception cref="ReplicateException">An output URL may not be downloaded (see the remarks).</exception>
    public async Task<TextToSpeechResponse> GetAudioAsync(string text, TextToSpeechOptions? options = null, CancellationToken cancellationToken = default)
    {
        var modelId = options?.ModelId ?? _defaultModelId;
        var input = InputMapper.Map(text, options);
        var output = await _client.RunAsync(modelId, input, ReplicateChatClient.NoSyncWait(), cancellationToken: cancellationToken).ConfigureAwait(false);
        var files = output.AsFiles();
        if (files.Count == 0)
        {
            throw new InvalidOperationException($"Prediction {output.Prediction.Id} returned no audio file; its output was: {AdapterHelpers.Describe(output.Json)}");
        }

        var contents = new List<AIContent>(files.Count);
        foreach (var file in files)
        {
            await OutputUrlPolicy.EnsureMayDownloadAsync(file.Uri, _client.BaseAddress, UriInstead, cancellationToken).ConfigureAwait(false);
            var bytes = await file.ReadAllBytesAsync(FileOutput.DefaultMaxReadBytes, cancellationToken).ConfigureAwait(false);
            contents.Add(new DataContent(bytes, file.ContentType ?? MediaTypes.Sniff(bytes) ?? MediaTypes.FromFileName(file.Uri.AbsolutePath)));
        }

        return new TextToSpeechResponse(contents)
        {
            ResponseId = output.Prediction.Id,
            ModelId = modelId,
            RawRepresentation = output.Prediction,
        };
    }

    /// <inheritdoc />
    /// <exception cref="PredictionFailedException">The model failed.</exception>
    /// <exception cref="InvalidOperationException">The model's output holds no audio file.</exception>
    public async IAsyncEnumerable<TextToSpeechResponseUpdate> GetStreamingAudioAsync(
        string text,
        TextToSpeechOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetAudioAsync(text, options, cancellationToken).ConfigureAwait(false);
        foreach (var update in response.ToTextToSpeechResponseUpdates())
        {
            yield return update;
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        AdapterHelpers.GetService(serviceType, serviceKey, this, _metadata, _client);

    /// <summary>Does nothing: the <see cref="ReplicateClient"/> belongs to the caller.</summary>
    public void Dispose()
    {
    }
}
