using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Replicate;

/// <summary>
/// A training: a run of a model version's <c>train()</c> that pushes a new version to a destination model, as
/// <c>GET /trainings/{id}</c> returns it (and as training webhooks deliver it). A plain snapshot; fetch it again for
/// the latest state.
/// </summary>
[DebuggerDisplay("{Id,nq} {Status} {Model,nq}")]
public sealed class Training
{
    /// <summary>Gets the training id (an opaque string).</summary>
    public required string Id { get; init; }

    /// <summary>Gets the trained (base) model, as <c>owner/name</c>.</summary>
    public string? Model { get; init; }

    /// <summary>Gets the id of the base version that was trained.</summary>
    public string? Version { get; init; }

    /// <summary>Gets the status: the same values as a prediction's, <c>aborted</c> included.</summary>
    public PredictionStatus Status { get; init; }

    /// <summary>Gets the input as the server recorded it (files appear as URLs).</summary>
    public JsonElement? Input { get; init; }

    /// <summary>Gets the result once the training succeeded: the new version and its weights.</summary>
    public TrainingOutput? Output { get; init; }

    /// <summary>Gets the training's log output so far.</summary>
    public string? Logs { get; init; }

    /// <summary>Gets the error message when <see cref="Status"/> is <c>failed</c>.</summary>
    [JsonConverter(typeof(LenientStringConverter))]
    public string? Error { get; init; }

    /// <summary>Gets when the training was created.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Gets when the training started running.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Gets when the training finished.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Gets how the training was created: <c>api</c> or <c>web</c>.</summary>
    public string? Source { get; init; }

    /// <summary>Gets the metrics the server reported (<c>predict_time</c>, <c>total_time</c>, and any others).</summary>
    public PredictionMetrics? Metrics { get; init; }

    /// <summary>Gets the URLs for working with the training.</summary>
    public TrainingUrls? Urls { get; init; }

    /// <summary>
    /// Gets the progress parsed from the last tqdm-style line in <see cref="Logs"/>, or <see langword="null"/> when there is none.
    /// </summary>
    [JsonIgnore]
    public PredictionProgress? Progress => PredictionProgress.Parse(Logs);

    /// <inheritdoc />
    public override string ToString() => $"Training {Id} ({Status})";
}
