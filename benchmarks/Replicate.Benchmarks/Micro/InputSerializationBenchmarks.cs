using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Replicate.Benchmarks.Harness;

namespace Replicate.Benchmarks.Micro;

/// <summary>
/// Writing a create request's body. The SDK's input serializer is internal, so it is measured through the public create
/// path over an in-memory handler that answers with a small just-created prediction, next to the bare-HttpClient
/// baseline doing the same; <c>SerializeToUtf8Bytes</c> with snake_case is the floor either builds on.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class InputSerializationBenchmarks : IDisposable
{
    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private ReplicateClient? _sdk;
    private RawReplicate? _raw;
    private object _input = new();

    [Params("small", "large")]
    public string Shape { get; set; } = "small";

    [GlobalSetup]
    public void Setup()
    {
        _input = Shape == "small"
            ? new { prompt = "Write a haiku about llamas", max_tokens = 512, temperature = 0.7 }
            : Enumerable.Range(0, 50).ToDictionary(i => "field_" + i, i => (object)(i % 2 == 0 ? "value number " + i : i * 1.5));
        var options = new ReplicateClientOptions { ApiToken = Samples.Token, BaseAddress = Samples.BaseAddress };
        _sdk = new ReplicateClient(new HttpClient(ReplicateClient.CreateHttpMessageHandler(options, new CannedHandler(Samples.StartingJson, "application/json"))), options);
        _raw = new RawReplicate(new HttpClient(new CannedHandler(Samples.StartingJson, "application/json")), Samples.BaseAddress, Samples.Token);
    }

    [BenchmarkCategory("serialize only"), Benchmark(Baseline = true, Description = "JsonSerializer.SerializeToUtf8Bytes (snake_case)")]
    public int SerializeOnly() => JsonSerializer.SerializeToUtf8Bytes(_input, _input.GetType(), SnakeCase).Length;

    [BenchmarkCategory("create"), Benchmark(Baseline = true, Description = "HttpClient POST + JsonDocument")]
    public async Task<int> BaselineCreate()
    {
        using var document = await _raw!.CreateAsync("acme/model", _input, waitSeconds: 0, stream: false, CancellationToken.None);
        return document.RootElement.GetProperty("id").GetString()!.Length;
    }

    [BenchmarkCategory("create"), Benchmark(Description = "Predictions.CreateAsync")]
    public async Task<int> SdkCreate()
    {
        var prediction = await _sdk!.Predictions.CreateAsync("acme/model", _input);
        return prediction.Id.Length;
    }

    public void Dispose()
    {
        _sdk?.Dispose();
        _raw?.Http.Dispose();
        GC.SuppressFinalize(this);
    }
}
