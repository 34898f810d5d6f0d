using System.Text.Json;
using System.Text.Json.Serialization;

namespace Replicate;

/// <summary>
/// Metrics the server reports for a prediction. The set is open: values this version does not name are kept in
/// <see cref="AdditionalProperties"/>.
/// </summary>
public sealed class PredictionMetrics
{
    /// <summary>Gets the time the model spent running (CPU/GPU time, excluding the queue).</summary>
    [JsonConverter(typeof(SecondsConverter))]
    public TimeSpan? PredictTime { get; init; }

    /// <summary>Gets the total time from creation to completion, queue included.</summary>
    [JsonConverter(typeof(SecondsConverter))]
    public TimeSpan? TotalTime { get; init; }

    /// <summary>Gets the number of input tokens, for language models.</summary>
    public long? InputTokenCount { get; init; }

    /// <summary>Gets the number of output tokens, for language models.</summary>
    public long? OutputTokenCount { get; init; }

    /// <summary>Gets the time until the first output token, for language models.</summary>
    [JsonConverter(typeof(SecondsConverter))]
    public TimeSpan? TimeToFirstToken { get; init; }

    /// <summary>Gets the generation speed, for language models.</summary>
    public double? TokensPerSecond { get; init; }

    /// <summary>Gets every other metric, as sent.</summary>
    [JsonExtensionData]
    public IDictionary<string, JsonElement>? AdditionalProperties { get; set; }
}
