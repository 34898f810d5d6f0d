using Replicate.Benchmarks.Harness;
using Replicate.Testing;

namespace Replicate.Benchmarks.EndToEnd;

/// <summary>
/// <c>run_concurrent</c>: many predictions of a model that takes a while, created at once and awaited by polling
/// (sync wait off). Baseline: POST, then a GET loop at the same interval. Counts the requests the emulator received and
/// the TCP connections each pool opened, and any exception, to show there is no socket exhaustion.
/// </summary>
public sealed class RunConcurrentScenario(BenchmarkSettings settings) : Scenario
{
    private const string Model = "bench/slow";
    private static readonly object Input = new { prompt = "a photo of an astronaut riding a horse", seed = 42 };
    private readonly ConnectionCounter _sdkConnections = new();
    private readonly ConnectionCounter _baselineConnections = new();
    private ReplicateEmulator? _emulator;
    private ReplicateClient? _sdk;
    private RawReplicate? _raw;

    public override string Name => "run_concurrent";

    public override string Description =>
        $"{settings.ConcurrentPredictions:N0} concurrent RunAsync calls of a model that runs {settings.ConcurrentModelTime.TotalSeconds:0.##} s, no sync wait, " +
        $"polled every {settings.ConcurrentPollInterval.TotalMilliseconds:0} ms; baseline: HttpClient POST + GET loop at the same interval.";

    protected override string Unit => "prediction";

    protected override bool HasThroughputTarget => false;

    protected override (string Label, double Bytes) AllocationScale => ("KB", KiB);

    public override async Task SetupAsync(CancellationToken cancellationToken)
    {
        // The request log is on: it is how the scenario counts requests. It is cleared before every run.
        _emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { RecordRequests = true, IncludeDemoModels = false }, cancellationToken);
        var modelTime = settings.ConcurrentModelTime;
        _emulator.AddModel(Model, async (_, context) =>
        {
            await context.DelayAsync(modelTime);
            return "done";
        });
        _sdk = BenchHttp.CreateSdkClient(
            _emulator.BaseAddress,
            _emulator.ApiToken,
            o =>
            {
                o.Wait = TimeSpan.Zero;
                o.PollingInterval = settings.ConcurrentPollInterval;
            },
            _sdkConnections);
        _raw = new RawReplicate(BenchHttp.CreateBaselineClient(_baselineConnections), _emulator.BaseAddress, _emulator.ApiToken);
    }

    public override Task PrepareRunAsync(Side side, CancellationToken cancellationToken)
    {
        _emulator!.ClearRequests();
        return Task.CompletedTask;
    }

    public override async Task<RunResult> RunAsync(Side side, CancellationToken cancellationToken)
    {
        var count = settings.ConcurrentPredictions;
        var errors = 0;
        var tasks = new Task[count];
        for (var i = 0; i < count; i++)
        {
            tasks[i] = RunOneAsync();
        }

        await Task.WhenAll(tasks);
        var connections = side == Side.Sdk ? _sdkConnections : _baselineConnections;
        var result = new RunResult(count);
        result.Extra["requests"] = _emulator!.Requests.Count;
        result.Extra["connections"] = connections.OpenedCount;
        result.Extra["errors"] = errors + connections.FailedCount;
        return result;

        async Task RunOneAsync()
        {
            try
            {
                var output = side == Side.Sdk ? await SdkRunAsync(cancellationToken) : await BaselineRunAsync(cancellationToken);
                if (output != "done")
                {
                    Interlocked.Increment(ref errors);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or ReplicateException or IOException or InvalidOperationException or TimeoutException)
            {
                Interlocked.Increment(ref errors);
            }
        }
    }

    public override IEnumerable<MetricSpec> Metrics()
    {
        yield return Throughput();
        yield return new MetricSpec("wall time, s", m => m.Wall.TotalSeconds, Format: "0.000");
        yield return new MetricSpec("CPU time, s", m => m.Cpu.TotalSeconds, Target.RatioAtMost(1.15), "0.000");
        yield return ExtraMetric("requests", "requests received by the emulator", format: "N0");
        yield return ExtraMetric("connections", "TCP connections opened by the pool (cumulative)", format: "N0");
        yield return ExtraMetric("errors", "exceptions + failed connects", Target.Zero(), "N0");
        yield return AllocatedPerUnit();
        yield return PeakWorkingSet();
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        _sdk?.Dispose();
        _raw?.Http.Dispose();
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }

        await base.DisposeAsyncCore();
    }

    private async Task<string?> SdkRunAsync(CancellationToken cancellationToken) =>
        (await _sdk!.RunAsync(Model, Input, cancellationToken: cancellationToken)).AsString();

    private async Task<string?> BaselineRunAsync(CancellationToken cancellationToken)
    {
        var created = await _raw!.CreateAsync(Model, Input, waitSeconds: 0, stream: false, cancellationToken);
        var maxPolls = (int)Math.Ceiling(settings.RunTimeout / settings.ConcurrentPollInterval) + 1;
        using var done = await _raw.WaitAsync(created, settings.ConcurrentPollInterval, maxPolls, cancellationToken);
        var root = done.RootElement;
        return root.GetProperty("status").GetString() == "succeeded" ? root.GetProperty("output").GetString() : null;
    }
}
