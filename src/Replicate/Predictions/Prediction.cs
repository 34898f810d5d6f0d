using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Replicate;

/// <summary>
/// A prediction: one run of a model, as <c>GET /predictions/{id}</c> returns it (and as webhooks deliver it).
/// A plain snapshot: it holds no client and never changes; fetch it again for the latest state.
/// </summary>
[DebuggerDisplay("{Id,nq} {Status} {Model,nq}")]
[JsonConverter(typeof(PredictionConverter))]
public sealed class Prediction
{
    // Input, output, metrics and URLs hold null, a raw UTF-8 copy from the response (parsed on first read), or the
    // value: see DeferredJson. A page of predictions is mostly read for ids and statuses.
    private object? _input;
    private object? _output;
    private object? _metrics;
    private object? _urls;

    /// <summary>Gets the prediction id (an opaque string).</summary>
    public required string Id { get; init; }

    /// <summary>Gets the model, as <c>owner/name</c>.</summary>
    public string? Model { get; init; }

    /// <summary>Gets the version id, or <c>hidden</c> for official models that do not expose versions.</summary>
    public string? Version { get; init; }

    /// <summary>Gets the status.</summary>
    public PredictionStatus Status { get; init; }

    /// <summary>Gets the input as the server recorded it (files appear as URLs).</summary>
    public JsonElement? Input { get => DeferredJson.Element(ref _input); init => _input = value; }

    /// <summary>
    /// Gets the raw output: any JSON the model produces, <see langword="null"/> until there is output and again once
    /// the data was removed. <see cref="ReplicateClient.RunAsync(ModelIdentifier, object, PredictionOptions?, IProgress{Prediction}?, CancellationToken)"/>
    /// wraps it in a <see cref="PredictionOutput"/> with typed views.
    /// </summary>
    public JsonElement? Output { get => DeferredJson.Element(ref _output); init => _output = value; }

    /// <summary>Gets the model's log output so far.</summary>
    public string? Logs { get; init; }

    /// <summary>Gets the error message when <see cref="Status"/> is <c>failed</c>.</summary>
    public string? Error { get; init; }

    /// <summary>Gets when the prediction was created.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Gets when the model started running.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Gets when the prediction finished and all outputs were uploaded.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Gets when the prediction will be canceled automatically (set with <see cref="PredictionOptions.CancelAfter"/>).</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>Gets whether the input and output were deleted (API predictions keep them for about an hour).</summary>
    public bool DataRemoved { get; init; }

    /// <summary>Gets the deployment that created the prediction, if one did.</summary>
    public string? Deployment { get; init; }

    /// <summary>Gets how the prediction was created: <c>api</c> or <c>web</c>.</summary>
    public string? Source { get; init; }

    /// <summary>Gets the metrics the server reported.</summary>
    public PredictionMetrics? Metrics { get => DeferredJson.Value(ref _metrics, PredictionConverter.ParseMetrics); init => _metrics = value; }

    /// <summary>Gets the URLs for working with the prediction.</summary>
    public PredictionUrls? Urls { get => DeferredJson.Value(ref _urls, PredictionConverter.ParseUrls); init => _urls = value; }

    /// <summary>Gets the webhook URL, when one was requested.</summary>
    public Uri? Webhook { get; init; }

    /// <summary>Gets the events that trigger the webhook, when a filter was requested.</summary>
    public IReadOnlyList<WebhookEventType>? WebhookEventsFilter { get; init; }

    /// <summary>
    /// Gets the progress parsed from the last tqdm-style line in <see cref="Logs"/>
    /// (e.g. <c> 45%|████▌     | 9/20</c>), or <see langword="null"/> when there is none.
    /// </summary>
    [JsonIgnore]
    public PredictionProgress? Progress => PredictionProgress.Parse(Logs);

    /// <summary>Sets <see cref="Input"/>, <see cref="Output"/>, <see cref="Metrics"/> and <see cref="Urls"/> from raw JSON copies, for the reader.</summary>
    internal object? RawInput { init => _input = value; }

    /// <inheritdoc cref="RawInput"/>
    internal object? RawOutput { init => _output = value; }

    /// <summary>
    /// Reads the output when it is a JSON string still held as raw bytes, without materializing a
    /// <see cref="JsonElement"/> (a document per prediction) for the common "one string" output.
    /// </summary>
    internal bool TryReadRawStringOutput(out string? value)
    {
        if (Volatile.Read(ref _output) is byte[] utf8 && utf8.Length > 0 && utf8[0] == (byte)'"')
        {
            var reader = new Utf8JsonReader(utf8);
            reader.Read();
            value = reader.GetString();
            return true;
        }

        value = null;
        return false;
    }

    /// <inheritdoc cref="RawInput"/>
    internal object? RawMetrics { init => _metrics = value; }

    /// <inheritdoc cref="RawInput"/>
    internal object? RawUrls { init => _urls = value; }

    /// <inheritdoc />
    public override string ToString() => $"Prediction {Id} ({Status})";
}
