using System.Diagnostics;
using Replicate.Benchmarks.Harness;
using Replicate.Testing;

namespace Replicate.Benchmarks.EndToEnd;

/// <summary>
/// <c>run_seq</c>: sequential <c>RunAsync</c> calls of a model that answers at once, on the sync-wait path
/// (<c>Prefer: wait=60</c>, one request per call). Baseline: the same POST, then <see cref="System.Text.Json.JsonDocument"/>.
/// </summary>
public sealed class RunSeqScenario(BenchmarkSettings settings) : Scenario
{
    private const string Model = "bench/instant";
    private static readonly object Input = new { prompt = "a photo of an astronaut riding a horse", seed = 42, temperature = 0.75 };
    private ReplicateEmulator? _emulator;
    private ReplicateClient? _sdk;
    private RawReplicate? _raw;

    public override string Name => "run_seq";

    public override string Description =>
        $"{settings.RunSeqCalls:N0} sequential RunAsync calls of an instant model, sync wait (Prefer: wait=60); baseline: HttpClient POST + JsonDocument.";

    protected override string Unit => "call";

    protected override (string Label, double Bytes) AllocationScale => ("KB", KiB);

    public override int Slices => settings.RunSeqSlices;

    public override async Task SetupAsync(CancellationToken cancellationToken)
    {
        _emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { RecordRequests = false, IncludeDemoModels = false }, cancellationToken);
        _emulator.AddModel(Model, (_, _) => Task.FromResult<object?>("ok"));
        _sdk = BenchHttp.CreateSdkClient(_emulator.BaseAddress, _emulator.ApiToken);
        _raw = new RawReplicate(BenchHttp.CreateBaselineClient(), _emulator.BaseAddress, _emulator.ApiToken);
    }

    public override async Task<RunResult> RunAsync(Side side, CancellationToken cancellationToken)
    {
        var calls = settings.RunSeqCalls / Slices;
        var result = new RunResult(calls);
        for (var i = 0; i < calls; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var output = side == Side.Sdk ? await SdkCallAsync(cancellationToken) : await BaselineCallAsync(cancellationToken);
            result.LatenciesMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (output != "ok")
            {
                throw new InvalidOperationException($"{side} call {i} returned '{output}', not 'ok'.");
            }
        }

        return result;
    }

    public override IEnumerable<MetricSpec> Metrics()
    {
        yield return Throughput();
        yield return new MetricSpec("p50 latency, ms", m => m.Result.LatencyPercentile(0.50), Format: "0.000");
        yield return new MetricSpec("p99 latency, ms", m => m.Result.LatencyPercentile(0.99), Format: "0.000");
        yield return CpuPerUnit();
        yield return AllocatedPerUnit(Target.DeltaBelow(8, "KB"));
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

    private async Task<string?> SdkCallAsync(CancellationToken cancellationToken)
    {
        var output = await _sdk!.RunAsync(Model, Input, cancellationToken: cancellationToken);
        return output.AsString();
    }

    private async Task<string?> BaselineCallAsync(CancellationToken cancellationToken)
    {
        var prediction = await _raw!.CreateAsync(Model, Input, waitSeconds: 60, stream: false, cancellationToken);

        // 201 is finished; a 202 would mean "still running": poll like the SDK would.
        using var done = await _raw.WaitAsync(prediction, TimeSpan.FromMilliseconds(500), maxPolls: 1_000, cancellationToken);
        var root = done.RootElement;
        return root.GetProperty("status").GetString() == "succeeded" ? root.GetProperty("output").GetString() : null;
    }
}
