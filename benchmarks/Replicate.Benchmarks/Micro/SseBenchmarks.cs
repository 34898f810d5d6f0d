using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace Replicate.Benchmarks.Micro;

/// <summary>
/// Handling a stream of output events. <c>parse</c>: <see cref="SseParser"/> over a <see cref="MemoryStream"/>, bare vs
/// shaped the way the SDK does it (UTF-8 data, then <see cref="StreamEvent"/>). <c>stream</c>: the SDK's whole streaming
/// path (<c>Predictions.StreamAsync</c>: request, event-size guard, resume bookkeeping) vs <see cref="HttpClient"/> +
/// <see cref="SseParser"/>, both over the same in-memory handler.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class SseBenchmarks : IDisposable
{
    private static readonly MediaTypeWithQualityHeaderValue EventStreamType = new("text/event-stream");
    private byte[] _payload = [];
    private ReplicateClient? _sdk;
    private HttpClient? _http;
    private Prediction? _prediction;

    [Params(1_000)]
    public int Events { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _payload = Samples.EventStream(Events);
        var options = new ReplicateClientOptions { ApiToken = Samples.Token, BaseAddress = Samples.BaseAddress };
        _sdk = new ReplicateClient(new HttpClient(ReplicateClient.CreateHttpMessageHandler(options, new CannedHandler(_payload, "text/event-stream"))), options);
        _http = new HttpClient(new CannedHandler(_payload, "text/event-stream"));
        _prediction = new Prediction
        {
            Id = "ufawqhfynnddngldkgtslldrkq",
            Status = PredictionStatus.Processing,
            Urls = new PredictionUrls { Stream = new Uri(Samples.BaseAddress, "streams/ufawqhfynnddngldkgtslldrkq") },
        };
    }

    [BenchmarkCategory("parse"), Benchmark(Baseline = true, Description = "SseParser (string data)")]
    public async Task<int> ParseBare()
    {
        var outputs = 0;
        await foreach (var item in SseParser.Create(new MemoryStream(_payload, writable: false)).EnumerateAsync())
        {
            if (item.EventType == "output")
            {
                outputs++;
            }
        }

        return outputs;
    }

    [BenchmarkCategory("parse"), Benchmark(Description = "SseParser + new StreamEvent(...)")]
    public async Task<int> ParseToStreamEvents()
    {
        var outputs = 0;
        var parser = SseParser.Create(new MemoryStream(_payload, writable: false), static (_, data) => Encoding.UTF8.GetString(data));
        await foreach (var item in parser.EnumerateAsync())
        {
            var e = new StreamEvent(new StreamEventType(item.EventType), item.Data, item.EventId);
            if (e.Type == StreamEventType.Output)
            {
                outputs++;
            }
        }

        return outputs;
    }

    [BenchmarkCategory("stream"), Benchmark(Baseline = true, Description = "HttpClient GET + SseParser")]
    public async Task<int> StreamBare()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _prediction!.Urls!.Stream);
        request.Headers.Accept.Add(EventStreamType);
        using var response = await _http!.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var outputs = 0;
        await foreach (var item in SseParser.Create(body).EnumerateAsync())
        {
            if (item.EventType == "output")
            {
                outputs++;
            }
            else if (item.EventType == "done")
            {
                break;
            }
        }

        return outputs;
    }

    [BenchmarkCategory("stream"), Benchmark(Description = "Predictions.StreamAsync")]
    public async Task<int> StreamSdk()
    {
        var outputs = 0;
        await foreach (var e in _sdk!.Predictions.StreamAsync(_prediction!))
        {
            if (e.Type == StreamEventType.Output)
            {
                outputs++;
            }
        }

        return outputs;
    }

    public void Dispose()
    {
        _sdk?.Dispose();
        _http?.Dispose();
        GC.SuppressFinalize(this);
    }
}
