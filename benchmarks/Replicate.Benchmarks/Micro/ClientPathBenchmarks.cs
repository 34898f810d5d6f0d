using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Replicate.Benchmarks.Harness;

namespace Replicate.Benchmarks.Micro;

/// <summary>
/// One API call from start to parsed result with no network: the SDK's whole client path (request building, retry
/// pipeline, source-generated JSON) vs <see cref="HttpClient"/> + <see cref="System.Text.Json.JsonDocument"/>, both over
/// the same in-memory handler. This isolates the client's own cost, which the end-to-end scenarios dilute with the
/// emulator's.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ClientPathBenchmarks : IDisposable
{
    private static readonly object Input = new { prompt = "Write a haiku about llamas", max_tokens = 512, temperature = 0.7 };
    private ReplicateClient? _sdk;
    private RawReplicate? _raw;
    private ReplicateClient? _sdkList;
    private RawReplicate? _rawList;

    [GlobalSetup]
    public void Setup()
    {
        var options = new ReplicateClientOptions { ApiToken = Samples.Token, BaseAddress = Samples.BaseAddress };
        var handler = new CannedHandler(Samples.PredictionJson, "application/json");
        _sdk = new ReplicateClient(new HttpClient(ReplicateClient.CreateHttpMessageHandler(options, handler)), options);
        _raw = new RawReplicate(new HttpClient(new CannedHandler(Samples.PredictionJson, "application/json")), Samples.BaseAddress, Samples.Token);
        _sdkList = new ReplicateClient(new HttpClient(ReplicateClient.CreateHttpMessageHandler(options, new CannedHandler(Samples.PageJson, "application/json"))), options);
        _rawList = new RawReplicate(new HttpClient(new CannedHandler(Samples.PageJson, "application/json")), Samples.BaseAddress, Samples.Token);
    }

    [BenchmarkCategory("get"), Benchmark(Baseline = true, Description = "HttpClient GET + JsonDocument")]
    public async Task<int> BaselineGet()
    {
        using var document = await _raw!.GetJsonAsync(new Uri(Samples.BaseAddress, "predictions/ufawqhfynnddngldkgtslldrkq"), CancellationToken.None);
        return document.RootElement.GetProperty("status").GetString()!.Length;
    }

    [BenchmarkCategory("get"), Benchmark(Description = "Predictions.GetAsync")]
    public async Task<int> SdkGet()
    {
        var prediction = await _sdk!.Predictions.GetAsync("ufawqhfynnddngldkgtslldrkq");
        return prediction.Status.Value.Length;
    }

    [BenchmarkCategory("run"), Benchmark(Baseline = true, Description = "HttpClient POST (Prefer: wait) + JsonDocument")]
    public async Task<int> BaselineRun()
    {
        using var document = await _raw!.CreateAsync("meta/meta-llama-3-8b-instruct", Input, waitSeconds: 60, stream: false, CancellationToken.None);
        return document.RootElement.GetProperty("output").GetArrayLength();
    }

    [BenchmarkCategory("run"), Benchmark(Description = "RunAsync (sync wait) + ToString()")]
    public async Task<int> SdkRun()
    {
        var output = await _sdk!.RunAsync("meta/meta-llama-3-8b-instruct", Input);
        return output.ToString().Length;
    }

    [BenchmarkCategory("list"), Benchmark(Baseline = true, Description = "HttpClient GET page of 100 + JsonDocument, read every id")]
    public async Task<int> BaselineList()
    {
        using var document = await _rawList!.GetJsonAsync(new Uri(Samples.BaseAddress, "predictions"), CancellationToken.None);
        var count = 0;
        foreach (var prediction in document.RootElement.GetProperty("results").EnumerateArray())
        {
            count += prediction.GetProperty("id").GetString()!.Length > 0 ? 1 : 0;
        }

        return count;
    }

    [BenchmarkCategory("list"), Benchmark(Description = "Predictions.ListAsync, page of 100, read every Id")]
    public async Task<int> SdkList()
    {
        var page = await _sdkList!.Predictions.ListAsync();
        var count = 0;
        foreach (var prediction in page.Results)
        {
            count += prediction.Id.Length > 0 ? 1 : 0;
        }

        return count;
    }

    public void Dispose()
    {
        _sdk?.Dispose();
        _raw?.Http.Dispose();
        _sdkList?.Dispose();
        _rawList?.Http.Dispose();
        GC.SuppressFinalize(this);
    }
}
