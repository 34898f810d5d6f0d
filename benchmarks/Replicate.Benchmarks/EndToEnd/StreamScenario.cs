using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using Replicate.Benchmarks.Harness;
using Replicate.Testing;

namespace Replicate.Benchmarks.EndToEnd;

/// <summary>
/// A model that emits <see cref="TokenCount"/> output pieces as fast as it can, read as server-sent events: through the
/// SDK, or through a bare <see cref="HttpClient"/> and <see cref="SseParser"/>. The baseline is the emulator's cost plus
/// the least a client can do, so it is the ceiling the SDK is held to.
/// <para>
/// Live (<c>stream_burst</c>, <c>stream_large</c>): <c>StreamAsync</c> creates the prediction and reads its stream while
/// the model is still emitting, as a caller would; the emulator's model can then be the bottleneck of both sides.
/// Replay (<c>..._replay</c>): the prediction is created and finishes before the measurement, which covers only reading
/// its stream (<c>Predictions.StreamAsync(prediction)</c> vs GET <c>urls.stream</c>), so the emulator only writes stored
/// events and the client's share of the time is as large as it can be.
/// </para>
/// Each live run gets a fresh emulator, so a finished stream's hundreds of thousands of stored events do not weigh on
/// the next run's GC. A replay scenario creates its one prediction up front; both sides read that same stored stream,
/// one pass per slice (<see cref="Scenario.Slices"/>), alternating.
/// </summary>
public abstract class StreamScenario : Scenario
{
    private const string Model = "bench/stream";
    private static readonly object Input = new { prompt = "write a very long story", max_tokens = 1_000_000 };
    private static readonly MediaTypeWithQualityHeaderValue EventStream = new("text/event-stream");
    private readonly string[] _tokens;
    private ReplicateEmulator? _emulator;
    private ReplicateClient? _sdk;
    private RawReplicate? _raw;
    private TaskCompletionSource _emitted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Prediction? _sdkPrediction;
    private string? _baselineStreamUrl;
    private long _modelTicks;

    protected StreamScenario(string[] tokens, int tokenCount, bool replay, int replayPasses)
    {
        _tokens = tokens;
        TokenCount = tokenCount;
        Replay = replay;
        Passes = replay ? replayPasses : 1;
    }

    /// <summary>Replays alternate the sides pass by pass.</summary>
    public override int Slices => Passes;

    /// <summary>How many output events the model emits.</summary>
    protected int TokenCount { get; }

    /// <summary>Whether the stream is read after the model finished (see the class remarks).</summary>
    protected bool Replay { get; }

    /// <summary>How many times a run reads the stream: replays read the finished stream several times per run.</summary>
    protected int Passes { get; }

    /// <summary>How the description names the mode.</summary>
    protected string Mode => Replay
        ? $"read {Passes} time(s) per run after the model finished: Predictions.StreamAsync(prediction) vs HttpClient GET urls.stream + SseParser"
        : "StreamAsync while the model emits vs HttpClient create + GET urls.stream + SseParser";

    /// <summary>The work units a run counts for <paramref name="tokens"/> output events (tokens, or MiB).</summary>
    protected abstract double Operations(long tokens, long chars);

    public override async Task SetupAsync(CancellationToken cancellationToken)
    {
        if (!Replay)
        {
            return;
        }

        // One stored stream for the whole scenario, read by both sides: the SDK creates it, the baseline reads the same
        // urls.stream. Both clients stay open, so either side's connection is warm.
        await StartEmulatorAsync(cancellationToken);
        _sdk = BenchHttp.CreateSdkClient(_emulator!.BaseAddress, _emulator.ApiToken);
        _raw = new RawReplicate(BenchHttp.CreateBaselineClient(), _emulator.BaseAddress, _emulator.ApiToken);
        _sdkPrediction = await _sdk.Predictions.CreateAsync(Model, Input, cancellationToken: cancellationToken);
        _baselineStreamUrl = _sdkPrediction.Urls?.Stream?.AbsoluteUri;
        await _emitted.Task.WaitAsync(cancellationToken);
    }

    public override async Task PrepareRunAsync(Side side, CancellationToken cancellationToken)
    {
        if (Replay)
        {
            return;
        }

        await DisposeClientsAsync();
        await StartEmulatorAsync(cancellationToken);
        if (side == Side.Sdk)
        {
            _sdk = BenchHttp.CreateSdkClient(_emulator!.BaseAddress, _emulator.ApiToken);
        }
        else
        {
            _raw = new RawReplicate(BenchHttp.CreateBaselineClient(), _emulator!.BaseAddress, _emulator.ApiToken);
        }
    }

    private async Task StartEmulatorAsync(CancellationToken cancellationToken)
    {
        _emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { RecordRequests = false, IncludeDemoModels = false }, cancellationToken);
        var tokens = _tokens;
        var count = TokenCount;
        var emitted = _emitted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _emulator.AddModel(Model, (_, context) =>
        {
            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                context.Output(tokens[i % tokens.Length]);
            }

            Interlocked.Exchange(ref _modelTicks, Stopwatch.GetTimestamp() - started);
            emitted.TrySetResult();
            return Task.FromResult<object?>(null);
        });
    }

    public override async Task<RunResult> RunAsync(Side side, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var (tokens, chars, firstToken) = side == Side.Sdk
            ? await ReadSdkAsync(started, cancellationToken)
            : await ReadBaselineAsync(started, cancellationToken);
        if (tokens != TokenCount)
        {
            throw new InvalidOperationException($"{side} received {tokens} output events; the model emitted {TokenCount}.");
        }

        var result = new RunResult(Operations(tokens, chars));
        result.Extra["ttft"] = firstToken.TotalMilliseconds;
        result.Extra["model"] = Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _modelTicks)).TotalMilliseconds;
        return result;
    }

    public override IEnumerable<MetricSpec> Metrics()
    {
        yield return Throughput();
        yield return ExtraMetric("ttft", Replay ? "time to first event (stream open), ms" : "time to first token, ms", format: "0.00");
        if (!Replay)
        {
            yield return ExtraMetric("model", "emulator: model emitting all tokens, ms", format: "0.0");
        }

        yield return CpuPerUnit();
        yield return AllocatedPerUnit();
        yield return PeakWorkingSet();
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await DisposeClientsAsync();

        await base.DisposeAsyncCore();
    }

    private async Task<(long Tokens, long Chars, TimeSpan FirstToken)> ReadSdkAsync(long started, CancellationToken cancellationToken)
    {
        long tokens = 0;
        long chars = 0;
        var firstToken = TimeSpan.Zero;
        var events = Replay
            ? _sdk!.Predictions.StreamAsync(_sdkPrediction!, cancellationToken)
            : _sdk!.StreamAsync(Model, Input, cancellationToken: cancellationToken);
        await foreach (var e in events)
        {
            if (e.Type == StreamEventType.Output)
            {
                if (tokens == 0)
                {
                    firstToken = Stopwatch.GetElapsedTime(started);
                }

                chars += e.Data.Length;
                if (++tokens > TokenCount)
                {
                    break;
                }
            }
        }

        return (tokens, chars, firstToken);
    }

    private async Task<(long Tokens, long Chars, TimeSpan FirstToken)> ReadBaselineAsync(long started, CancellationToken cancellationToken)
    {
        var streamUrl = _baselineStreamUrl;
        if (!Replay)
        {
            using var created = await _raw!.CreateAsync(Model, Input, waitSeconds: 0, stream: true, cancellationToken);
            streamUrl = created.RootElement.GetProperty("urls").GetProperty("stream").GetString();
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, streamUrl);
        request.Headers.Accept.Add(EventStream);
        request.Headers.CacheControl = new CacheControlHeaderValue { NoStore = true };
        using var response = await _raw!.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);

        long tokens = 0;
        long chars = 0;
        var firstToken = TimeSpan.Zero;
        await foreach (var item in SseParser.Create(body).EnumerateAsync(cancellationToken))
        {
            switch (item.EventType)
            {
                case "output":
                    if (tokens == 0)
                    {
                        firstToken = Stopwatch.GetElapsedTime(started);
                    }

                    chars += item.Data.Length;
                    if (++tokens > TokenCount)
                    {
                        return (tokens, chars, firstToken);
                    }

                    break;
                case "error":
                    throw new InvalidOperationException("The stream reported an error: " + item.Data);
                case "done":
                    return (tokens, chars, firstToken);
            }
        }

        return (tokens, chars, firstToken);
    }

    private async Task DisposeClientsAsync()
    {
        _sdk?.Dispose();
        _sdk = null;
        _raw?.Http.Dispose();
        _raw = null;
        _sdkPrediction = null;
        _baselineStreamUrl = null;
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
            _emulator = null;
        }
    }
}

/// <summary><c>stream_burst</c>: one stream of many 8-byte tokens, written as fast as the emulator can.</summary>
public sealed class StreamBurstScenario(BenchmarkSettings settings, bool replay = false)
    : StreamScenario(MakeTokens(), settings.BurstTokens, replay, settings.ReplayPasses)
{
    public override string Name => Replay ? "stream_burst_replay" : "stream_burst";

    public override string Description => $"one stream of {TokenCount:N0} 8-byte tokens, no delay; {Mode}.";

    protected override string Unit => "token";

    protected override double Operations(long tokens, long chars) => tokens;

    private static string[] MakeTokens() =>
        [.. Enumerable.Range(0, 1000).Select(i => "tok" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture) + " ")];
}

/// <summary><c>stream_large</c>: a stream of few, 1 MiB tokens.</summary>
public sealed class StreamLargeScenario(BenchmarkSettings settings, bool replay = false)
    : StreamScenario([new string('x', settings.LargeTokenBytes)], settings.LargeTokens, replay, settings.ReplayPasses)
{
    private readonly int _tokenBytes = settings.LargeTokenBytes;

    public override string Name => Replay ? "stream_large_replay" : "stream_large";

    public override string Description => $"one stream of {TokenCount} tokens of {_tokenBytes / MiB:0.##} MiB; {Mode}.";

    protected override string Unit => "MiB";

    protected override (string Label, double PerSecond) CpuScale => ("ms", 1e3);

    protected override (string Label, double Bytes) AllocationScale => ("KB", KiB);

    protected override double Operations(long tokens, long chars) => chars / MiB;
}
