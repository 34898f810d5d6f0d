using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Replicate.Extensions.AI;

/// <summary>
/// An <see cref="ISpeechToTextClient"/> over a Replicate transcription model, <see cref="DefaultModelId"/> unless the
/// caller names another. The audio and options become the model's input through <see cref="InputMapper"/>; the output
/// (Whisper's object, a string, or an iterator's pieces) becomes the response's text, with Whisper's timed segments in
/// <see cref="SpeechToTextResponse.AdditionalProperties"/> under <see cref="SegmentsPropertyName"/> and the response's
/// <see cref="SpeechToTextResponse.StartTime"/>/<see cref="SpeechToTextResponse.EndTime"/> spanning them. Create it with
/// <see cref="ReplicateAIExtensions.AsSpeechToTextClient"/>.
/// </summary>
/// <remarks>
/// <para><see cref="GetStreamingTextAsync"/> streams where the model streams: over server-sent events, one
/// <see cref="SpeechToTextResponseUpdateKind.TextUpdating"/> update per text piece, or one
/// <see cref="SpeechToTextResponseUpdateKind.TextUpdated"/> update per timed segment. A model without streaming (Whisper)
/// is waited for, and its segments then arrive as updates all at once. The first update is
/// <see cref="SpeechToTextResponseUpdateKind.SessionOpen"/> (the prediction exists), the last
/// <see cref="SpeechToTextResponseUpdateKind.SessionClose"/> with the finished <see cref="Prediction"/> as its raw
/// representation.</para>
/// <para>The response id is the prediction id, and <see cref="SpeechToTextResponse.RawRepresentation"/> is the finished
/// <see cref="Prediction"/>. Canceling the token, or abandoning a stream, cancels the prediction on the server (it is
/// created without sync mode, so its id is known at once). A model that fails throws
/// <see cref="PredictionFailedException"/>. The client does not own the <see cref="ReplicateClient"/>.</para>
/// <para>Microsoft.Extensions.AI marks <see cref="ISpeechToTextClient"/> experimental (<c>MEAI001</c>); so is this type.</para>
/// </remarks>
[Experimental("MEAI001")]
public sealed class ReplicateSpeechToTextClient : ISpeechToTextClient
{
    /// <summary>The model run when the caller names none: <c>openai/whisper</c>.</summary>
    public const string DefaultModelId = "openai/whisper";

    /// <summary>The <see cref="SpeechToTextResponse.AdditionalProperties"/> key of the segments: an <see cref="IReadOnlyList{T}"/> of <see cref="ReplicateTranscriptionSegment"/>.</summary>
    public const string SegmentsPropertyName = "segments";

    /// <summary>The <see cref="SpeechToTextResponse.AdditionalProperties"/> key of the language the model detected (a string), when it says.</summary>
    public const string DetectedLanguagePropertyName = "detected_language";

    private readonly ReplicateClient _client;
    private readonly string _defaultModelId;
    private readonly SpeechToTextClientMetadata _metadata;

    /// <summary>Initializes a speech-to-text client over one model.</summary>
    /// <param name="client">The Replicate client; not owned.</param>
    /// <param name="modelId">The model to run unless <see cref="SpeechToTextOptions.ModelId"/> names another.</param>
    /// <param name="inputMapper">How audio and options become the model's input; <see langword="null"/> for Whisper's inputs.</param>
    /// <exception cref="FormatException"><paramref name="modelId"/> is not a model identifier.</exception>
    public ReplicateSpeechToTextClient(ReplicateClient client, string modelId = DefaultModelId, ReplicateSpeechToTextInputMapper? inputMapper = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(modelId);
        _ = ModelIdentifier.Parse(modelId);
        _client = client;
        _defaultModelId = modelId;
        InputMapper = inputMapper ?? new ReplicateSpeechToTextInputMapper();
        _metadata = new SpeechToTextClientMetadata("replicate", client.BaseAddress, modelId);
    }

    /// <summary>Gets the mapper that turns audio and options into the model's input.</summary>
    public ReplicateSpeechToTextInputMapper InputMapper { get; }

    /// <inheritdoc />
    /// <exception cref="PredictionFailedException">The model failed.</exception>
    /// <exception cref="InvalidOperationException">The model's output is not a transcription; the message names what came back.</exception>
    public async Task<SpeechToTextResponse> GetTextAsync(Stream audioSpeechStream, SpeechToTextOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (modelId, input) = Prepare(audioSpeechStream, options);
        var output = await _client.RunAsync(modelId, input, ReplicateChatClient.NoSyncWait(), cancellationToken: cancellationToken).ConfigureAwait(false);
        var prediction = output.Prediction;
        var transcript = Transcript.Parse(output.Json, prediction.Id);
        var response = new SpeechToTextResponse(transcript.Text)
        {
            ResponseId = prediction.Id,
            ModelId = modelId,
            RawRepresentation = prediction,
            AdditionalProperties = new() { [SegmentsPropertyName] = transcript.Segments },
        };
        if (transcript.Segments.Count > 0)
        {
            response.StartTime = transcript.Segments[0].Start;
            response.EndTime = transcript.Segments[^1].End;
        }

        if (transcript.DetectedLanguage is { } language)
        {
            response.AdditionalProperties[DetectedLanguagePropertyName] = language;
        }

        return response;
    }

    /// <inheritdoc />
    /// <exception cref="PredictionFailedException">The model failed.</exception>
    /// <exception cref="InvalidOperationException">The model's output is not a transcription; the message names what came back.</exception>
    public async IAsyncEnumerable<SpeechToTextResponseUpdate> GetStreamingTextAsync(
        Stream audioSpeechStream,
        SpeechToTextOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (modelId, input) = Prepare(audioSpeechStream, options);
        var prediction = await _client.Predictions.CreateAsync(modelId, input, cancellationToken: cancellationToken).ConfigureAwait(false);
        await foreach (var update in AdapterHelpers.CancelIfAbandonedAsync(
            _client, prediction.Id, ReadUpdatesAsync(prediction, modelId, cancellationToken), u => u.Kind == SpeechToTextResponseUpdateKind.SessionClose, cancellationToken).ConfigureAwait(false))
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

    private static SpeechToTextResponseUpdate Update(Prediction prediction, string modelId, SpeechToTextResponseUpdateKind kind, IList<AIContent> contents, object raw) => new(contents)
    {
        Kind = kind,
        ResponseId = prediction.Id,
        ModelId = modelId,
        RawRepresentation = raw,
    };

    private static SpeechToTextResponseUpdate SegmentUpdate(Prediction prediction, string modelId, ReplicateTranscriptionSegment segment)
    {
        var update = Update(prediction, modelId, SpeechToTextResponseUpdateKind.TextUpdated, [new TextContent(segment.Text)], segment);
        update.StartTime = segment.Start;
        update.EndTime = segment.End;
        return update;
    }

    /// <summary>The updates: <c>SessionOpen</c>, text pieces or segments as they come, then <c>SessionClose</c>.</summary>
    private async IAsyncEnumerable<SpeechToTextResponseUpdate> ReadUpdatesAsync(Prediction prediction, string modelId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return Update(prediction, modelId, SpeechToTextResponseUpdateKind.SessionOpen, [], prediction);
        if (prediction.Urls?.Stream is null)
        {
            // No stream: wait, then hand over the whole transcript, segment by segment.
            var done = await _client.Predictions.WaitAsync(prediction, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!done.Status.IsSucceeded)
            {
                throw new PredictionFailedException(done);
            }

            var transcript = Transcript.Parse(done.Output ?? default, done.Id);
            if (transcript.Segments.Count == 0)
            {
                yield return Update(done, modelId, SpeechToTextResponseUpdateKind.TextUpdated, [new TextContent(transcript.Text)], done);
            }

            foreach (var segment in transcript.Segments)
            {
                yield return SegmentUpdate(done, modelId, segment);
            }

            yield return Update(done, modelId, SpeechToTextResponseUpdateKind.SessionClose, [], done);
            yield break;
        }

        await foreach (var e in _client.Predictions.StreamAsync(prediction, cancellationToken).ConfigureAwait(false))
        {
            if (e.Type == StreamEventType.Done)
            {
                break;
            }

            if (e.Type != StreamEventType.Output)
            {
                continue;
            }

            if (ParseObject(e.Data) is { } piece)
            {
                // A structured piece: a segment, or a whole Whisper-style object when the model returns one in one go.
                var transcript = Transcript.Parse(piece, prediction.Id);
                if (transcript.Segments.Count == 0)
                {
                    yield return Update(prediction, modelId, SpeechToTextResponseUpdateKind.TextUpdated, [new TextContent(transcript.Text)], e);
                }

                foreach (var segment in transcript.Segments)
                {
                    yield return SegmentUpdate(prediction, modelId, segment);
                }
            }
            else
            {
                yield return Update(prediction, modelId, SpeechToTextResponseUpdateKind.TextUpdating, [new TextContent(e.Data)], e);
            }
        }

        var final = await AdapterHelpers.FinishAsync(_client, prediction.Id, cancellationToken).ConfigureAwait(false);
        yield return Update(final, modelId, SpeechToTextResponseUpdateKind.SessionClose, [], final);
    }

    /// <summary>An output event's data as a JSON object (a segment or a whole transcript), or <see langword="null"/> for a text piece.</summary>
    private static JsonElement? ParseObject(string data)
    {
        if (!data.StartsWith('{'))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(data);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private (string ModelId, IDictionary<string, object?> Input) Prepare(Stream audio, SpeechToTextOptions? options)
    {
        ArgumentNullException.ThrowIfNull(audio);
        return (options?.ModelId ?? _defaultModelId, InputMapper.Map(audio, options));
    }
}
