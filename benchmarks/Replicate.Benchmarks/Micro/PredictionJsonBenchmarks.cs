using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using BenchmarkDotNet.Attributes;

namespace Replicate.Benchmarks.Micro;

/// <summary>
/// Reading one prediction. The SDK's source-generated context is internal, so the typed read here goes through
/// System.Text.Json's reflection resolver with the context's settings (the same converters and naming); the SDK's own
/// source-generated path is measured end to end in <see cref="ClientPathBenchmarks"/>. Baseline: <see cref="JsonDocument"/>.
/// </summary>
[MemoryDiagnoser]
public class PredictionJsonBenchmarks
{
    private static readonly JsonSerializerOptions Reflection = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    private readonly byte[] _json = Samples.PredictionJson;

    [Benchmark(Baseline = true, Description = "JsonDocument.Parse + read id/status/output")]
    public int JsonDocumentParse()
    {
        using var document = JsonDocument.Parse(_json);
        var root = document.RootElement;
        var id = root.GetProperty("id").GetString()!;
        var status = root.GetProperty("status").GetString()!;
        return id.Length + status.Length + root.GetProperty("output").GetArrayLength();
    }

    [Benchmark(Description = "Deserialize<Prediction> (reflection resolver)")]
    public int DeserializePrediction()
    {
        var prediction = JsonSerializer.Deserialize<Prediction>(_json, Reflection)!;
        return prediction.Id.Length + prediction.Status.Value.Length + prediction.Output!.Value.GetArrayLength();
    }
}
