using System.Diagnostics;
using Replicate.Benchmarks.Harness;
using Replicate.Testing;

namespace Replicate.Benchmarks.EndToEnd;

/// <summary>
/// <c>batch</c>: <see cref="BenchmarkSettings.BatchItems"/> creates of an instant model against an emulator with an
/// account rate limit. SDK side: <c>RunBatchAsync</c> (the client-side limiter at the same rate, streamed inputs).
/// Baseline: the naive <c>Task.WhenAll</c> of <c>RunAsync</c> over the same SDK client, which meets the limit as 429s.
/// Reports creates/s as a fraction of the limit, the 429s each side got, failed items, wall, CPU and memory.
/// </summary>
public sealed class BatchScenario(BenchmarkSettings settings) : Scenario
{
    private const string Model = "bench/instant";
    private ReplicateEmulator? _emulator;
    private ReplicateClient? _client;

    public override string Name => "batch";

    public override string Description =>
        $"{settings.BatchItems:N0} creates, emulator limit {settings.BatchCreatesPerMinute:N0}/min (burst 1 s): RunBatchAsync " +
        $"(concurrency {settings.BatchConcurrency}, limiter at the same rate) vs Task.WhenAll of RunAsync (same client, default retries).";

    protected override string Unit => "create";

    protected override bool HasThroughputTarget => false;

    public override async Task SetupAsync(CancellationToken cancellationToken)
    {
        _emulator = await ReplicateEmulator.StartAsync(
            new ReplicateEmulatorOptions
            {
                RecordRequests = false,
                IncludeDemoModels = false,
                RateLimits = new EmulatorRateLimits { CreatesPerMinute = settings.BatchCreatesPerMinute, RequestsPerMinute = 100 * settings.BatchCreatesPerMinute },
            },
            cancellationToken);
        _emulator.AddModel(Model, (input, _) => Task.FromResult<object?>(input.GetProperty("i").GetInt32()));
        _client = BenchHttp.CreateSdkClient(_emulator.BaseAddress, _emulator.ApiToken);
    }

    public override async Task PrepareRunAsync(Side side, CancellationToken cancellationToken) =>
        // Not measured: the emulator's bucket refills (a second's worth) after the other side's run, so each starts alike.
        await Task.Delay(TimeSpan.FromSeconds(1.2), cancellationToken);

    public override async Task<RunResult> RunAsync(Side side, CancellationToken cancellationToken)
    {
        var createdBefore = _emulator!.PredictionsCreated;
        var throttledBefore = _emulator.ThrottledResponses;
        var started = Stopwatch.GetTimestamp();
        var failed = side == Side.Sdk ? await BatchAsync(cancellationToken) : await NaiveAsync(cancellationToken);
        var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var created = _emulator.PredictionsCreated - createdBefore;
        var result = new RunResult(settings.BatchItems);
        result.Extra["fraction"] = created / wall / (settings.BatchCreatesPerMinute / 60.0);
        result.Extra["throttled"] = _emulator.ThrottledResponses - throttledBefore;
        result.Extra["failed"] = failed;
        result.Extra["created"] = created;
        return result;
    }

    public override IEnumerable<MetricSpec> Metrics()
    {
        yield return Throughput();
        yield return ExtraMetric("fraction", "creates/s as a fraction of the limit", format: "0.000");
        yield return ExtraMetric("throttled", "429s sent by the emulator", Target.SdkBelow(0.5, "429s"), "N0");
        yield return ExtraMetric("failed", "items that failed", Target.SdkBelow(0.5, "items"), "N0");
        yield return ExtraMetric("created", "predictions created", format: "N0");
        yield return new MetricSpec("wall time, s", m => m.Wall.TotalSeconds, Format: "0.000");
        yield return new MetricSpec("CPU time, s", m => m.Cpu.TotalSeconds, Format: "0.000");
        yield return AllocatedPerUnit();
        yield return PeakWorkingSet();
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        _client?.Dispose();
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }

        await base.DisposeAsyncCore();
    }

    private async Task<int> BatchAsync(CancellationToken cancellationToken)
    {
        var failed = 0;
        var options = new BatchOptions
        {
            MaxConcurrency = settings.BatchConcurrency,
            RateLimits = new RateLimitOptions { CreatesPerMinute = settings.BatchCreatesPerMinute, RequestsPerMinute = 100 * settings.BatchCreatesPerMinute },
        };
        await foreach (var result in _client!.RunBatchAsync(Model, Inputs(), options, cancellationToken))
        {
            if (!result.Succeeded)
            {
                failed++;
            }
        }

        return failed;
    }

    private async Task<int> NaiveAsync(CancellationToken cancellationToken)
    {
        var failed = 0;
        await Task.WhenAll(Inputs().Select(async input =>
        {
            try
            {
                await _client!.RunAsync(Model, input!, cancellationToken: cancellationToken);
            }
            catch (ReplicateException)
            {
                Interlocked.Increment(ref failed);
            }
        }));
        return failed;
    }

    /// <summary>Made as they are read: the batch side never holds them all.</summary>
    private IEnumerable<object?> Inputs()
    {
        for (var i = 0; i < settings.BatchItems; i++)
        {
            yield return new { i };
        }
    }
}
