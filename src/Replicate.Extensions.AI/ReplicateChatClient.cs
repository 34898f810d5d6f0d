using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Replicate.Extensions.AI;

/// <summary>
/// An <see cref="IChatClient"/> over a Replicate language model. <see cref="GetResponseAsync"/> runs the model
/// (<see cref="ReplicateClient.RunAsync"/>); <see cref="GetStreamingResponseAsync"/> streams its tokens over server-sent
/// events, one <see cref="ChatResponseUpdate"/> per token (a model without streaming is polled for its growing output
/// instead), and ends with an update carrying the usage. Messages and options become the model's input through
/// <see cref="InputMapper"/>. Create it with
/// <see cref="ReplicateAIExtensions.AsChatClient"/>.
/// </summary>
/// <remarks>
/// <para>The response id is the prediction id, and <see cref="ChatResponse.RawRepresentation"/> is the finished
/// <see cref="Prediction"/>. Usage comes from the prediction's metrics (<c>input_token_count</c>,
/// <c>output_token_count</c>) when the model reports them.</para>
/// <para>Canceling the token, or abandoning a stream before it ends, also cancels the prediction on the server. So that
/// this holds from the first moment, <see cref="GetResponseAsync"/> creates the prediction without sync mode and then
/// polls (<see cref="ReplicateClientOptions.PollingInterval"/>) rather than holding the create request open.
/// A model that fails throws <see cref="PredictionFailedException"/>; a rejected request throws
/// <see cref="ReplicateApiException"/>.</para>
/// <para>The chat client does not own the <see cref="ReplicateClient"/>: disposing it leaves the client open.</para>
/// </remarks>
public sealed class ReplicateChatClient : IChatClient
{
    private readonly ReplicateClient _client;
    private readonly string _defaultModelId;
    private readonly ChatClientMetadata _metadata;

    /// <summary>Initializes a chat client over one model.</summary>
    /// <param name="client">The Replicate client; not owned.</param>
    /// <param name="modelId">The model to run unless <see cref="ChatOptions.ModelId"/> names another: <c>owner/name</c>,
    /// <c>owner/name:version</c> or a version id.</param>
    /// <param name="inputMapper">How messages and options become the model's input; <see langword="null"/> for a
    /// <see cref="PromptChatInputMapper"/> (<c>prompt</c> and <c>system_prompt</c>).</param>
    /// <exception cref="FormatException"><paramref name="modelId"/> is not a model identifier.</exception>
    public ReplicateChatClient(ReplicateClient client, string modelId, ReplicateChatInputMapper? inputMapper = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(modelId);
        _ = ModelIdentifier.Parse(modelId); // fail at construction, not on the first request
        _client = client;
        _defaultModelId = modelId;
        InputMapper = inputMapper ?? new PromptChatInputMapper();
        _metadata = new ChatClientMetadata("replicate", client.BaseAddress, modelId);
    }

    /// <summary>Gets the mapper that turns messages and options into the model's input.</summary>
    public ReplicateChatInputMapper InputMapper { get; }

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (modelId, input) = Prepare(messages, options);
        var output = await _client.RunAsync(modelId, input, NoSyncWait(), cancellationToken: cancellationToken).ConfigureAwait(false);
        var prediction = output.Prediction;
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, output.ToString()) { MessageId = prediction.Id })
        {
            ResponseId = prediction.Id,
            ModelId = modelId,
            CreatedAt = prediction.CreatedAt,
            FinishReason = ChatFinishReason.Stop,
            Usage = ToUsage(prediction.Metrics),
            RawRepresentation = prediction,
        };
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (modelId, input) = Prepare(messages, options);

        // ReplicateClient.StreamAsync does not expose the prediction, and its id is the response id and the only way to
        // read the usage afterwards, so this creates the prediction and streams it in two steps (and cancels it itself).
        var prediction = await _client.Predictions.CreateAsync(modelId, input, cancellationToken: cancellationToken).ConfigureAwait(false);
        await foreach (var update in AdapterHelpers.CancelIfAbandonedAsync(
            _client, prediction.Id, ReadUpdatesAsync(prediction, modelId, cancellationToken), u => u.FinishReason is not null, cancellationToken).ConfigureAwait(false))
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

    /// <summary>
    /// Options that create the prediction without sync mode. A sync-mode create holds the request open for up to a minute
    /// before the prediction id is known, and a prediction whose id is unknown cannot be canceled; creating first and then
    /// polling lets a canceled chat call cancel the prediction at any point, for the price of one polling interval.
    /// </summary>
    internal static PredictionOptions NoSyncWait() => new() { Wait = TimeSpan.Zero };

    internal static UsageDetails? ToUsage(PredictionMetrics? metrics)
    {
        if (metrics is null || (metrics.InputTokenCount is null && metrics.OutputTokenCount is null))
        {
            return null;
        }

        return new UsageDetails
        {
            InputTokenCount = metrics.InputTokenCount,
            OutputTokenCount = metrics.OutputTokenCount,
            TotalTokenCount = metrics.InputTokenCount + metrics.OutputTokenCount,
        };
    }

    private static ChatResponseUpdate Update(Prediction prediction, string modelId, IList<AIContent> contents, object raw) => new(ChatRole.Assistant, contents)
    {
        ResponseId = prediction.Id,
        MessageId = prediction.Id,
        ModelId = modelId,
        CreatedAt = prediction.CreatedAt,
        RawRepresentation = raw,
    };

    /// <summary>One update a piece of text, then the last one, with the usage, once the prediction is over.</summary>
    private async IAsyncEnumerable<ChatResponseUpdate> ReadUpdatesAsync(Prediction prediction, string modelId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (text, raw) in ReadPiecesAsync(prediction, cancellationToken).ConfigureAwait(false))
        {
            yield return Update(prediction, modelId, [new TextContent(text)], raw);
        }

        // Metrics (token counts) are only on the finished prediction, not in the stream.
        var final = await AdapterHelpers.FinishAsync(_client, prediction.Id, cancellationToken).ConfigureAwait(false);
        var last = Update(final, modelId, ToUsage(final.Metrics) is { } usage ? [new UsageContent(usage)] : [], final);
        last.FinishReason = ChatFinishReason.Stop;
        yield return last;
    }

    /// <summary>
    /// The output text piece by piece: from the server-sent events when the model streams (<c>urls.stream</c>), otherwise
    /// by polling the prediction's growing output array, so models without streaming still work, in coarser pieces.
    /// </summary>
    private async IAsyncEnumerable<(string Text, object Raw)> ReadPiecesAsync(Prediction prediction, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (prediction.Urls?.Stream is null)
        {
            await foreach (var piece in _client.Predictions.EnumerateOutputAsync(prediction, cancellationToken).ConfigureAwait(false))
            {
                yield return (piece.ValueKind == JsonValueKind.String ? piece.GetString()! : piece.GetRawText(), piece);
            }

            yield break;
        }

        await foreach (var e in _client.Predictions.StreamAsync(prediction, cancellationToken).ConfigureAwait(false))
        {
            if (e.Type == StreamEventType.Done)
            {
                yield break;
            }

            if (e.Type == StreamEventType.Output)
            {
                yield return (e.Data, e);
            }
        }
    }

    private (string ModelId, IDictionary<string, object?> Input) Prepare(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return (options?.ModelId ?? _defaultModelId, InputMapper.Map(messages, options));
    }
}
