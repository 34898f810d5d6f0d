using System.Text.Json.Serialization;

namespace Replicate;

/// <summary>The one source-generated context for every type the SDK reads from or writes to the wire.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    Converters = new[] { typeof(LenientUriConverter) })]
[JsonSerializable(typeof(Prediction))]
[JsonSerializable(typeof(PredictionMetrics))]
[JsonSerializable(typeof(Page<Prediction>))]
[JsonSerializable(typeof(ProblemDetails))]
[JsonSerializable(typeof(ReplicateFile))]
[JsonSerializable(typeof(Page<ReplicateFile>))]
[JsonSerializable(typeof(Training))]
[JsonSerializable(typeof(Page<Training>))]
[JsonSerializable(typeof(WebhookSecret))]
[JsonSerializable(typeof(Model))]
[JsonSerializable(typeof(Page<Model>))]
[JsonSerializable(typeof(ModelVersion))]
[JsonSerializable(typeof(Page<ModelVersion>))]
[JsonSerializable(typeof(CreateModelOptions))]
[JsonSerializable(typeof(UpdateModelOptions))]
[JsonSerializable(typeof(Deployment))]
[JsonSerializable(typeof(Page<Deployment>))]
[JsonSerializable(typeof(CreateDeploymentOptions))]
[JsonSerializable(typeof(UpdateDeploymentOptions))]
[JsonSerializable(typeof(Collection))]
[JsonSerializable(typeof(Page<CollectionSummary>))]
[JsonSerializable(typeof(IReadOnlyList<Hardware>))]
[JsonSerializable(typeof(Account))]
[JsonSerializable(typeof(SearchResult))]
internal sealed partial class ReplicateJsonContext : JsonSerializerContext;

/// <summary>RFC 7807 problem details, as the API sends them on errors.</summary>
internal sealed class ProblemDetails
{
    public string? Type { get; init; }

    public string? Title { get; init; }

    [JsonConverter(typeof(LenientStringConverter))]
    public string? Detail { get; init; }

    public string? Instance { get; init; }
}
