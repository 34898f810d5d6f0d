using System.Diagnostics;
using Replicate.Benchmarks.Harness;
using Replicate.Testing;

namespace Replicate.Benchmarks.EndToEnd;

/// <summary>
/// <c>run_typed</c>: the run_seq exchange for a typed model (generated from models/flux-schnell.json), through the SDK on
/// both sides: the "SDK" side passes the generated <c>FluxSchnell.Input</c> (written by generated code and checked
/// against the schema before sending), the "baseline" side the same input as an anonymous object (serialized by
/// reflection, not checked). The ratio is what typing an input costs.
/// </summary>
public sealed class RunTypedScenario(BenchmarkSettings settings) : Scenario
{
    private static readonly object Anonymous = new { prompt = "a photo of an astronaut riding a horse", aspect_ratio = "16:9", num_outputs = 1, seed = 42L, go_fast = true };

    private static readonly FluxSchnell.Input Typed = new()
    {
        Prompt = "a photo of an astronaut riding a horse",
        AspectRatio = FluxSchnell.AspectRatio._16x9,
        NumOutputs = 1,
        Seed = 42,
        GoFast = true,
    };

    private ReplicateEmulator? _emulator;
    private ReplicateClient? _sdk;

    public override string Name => "run_typed";

    public override string Description =>
        $"{settings.RunSeqCalls:N0} sequential RunAsync calls of a typed model (flux-schnell schema, sync wait), generated input vs the same input as an anonymous object, both through the SDK.";

    protected override string Unit => "call";

    protected override (string Label, double Bytes) AllocationScale => ("KB", KiB);

    public override int Slices => settings.RunSeqSlices;

    public override async Task SetupAsync(CancellationToken cancellationToken)
    {
        _emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { RecordRequests = false, IncludeDemoModels = false }, cancellationToken);
        _emulator.AddModelFromSchemaFile(
            Path.Combine(AppContext.BaseDirectory, "models", "flux-schnell.json"),
            (_, _) => Task.FromResult<object?>(new[] { "https://replicate.delivery/bench/out-0.webp" }));
        _sdk = BenchHttp.CreateSdkClient(_emulator.BaseAddress, _emulator.ApiToken);
    }

    public override async Task<RunResult> RunAsync(Side side, CancellationToken cancellationToken)
    {
        var calls = settings.RunSeqCalls / Slices;
        var result = new RunResult(calls);
        for (var i = 0; i < calls; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var files = side == Side.Sdk
                ? await _sdk!.RunAsync(FluxSchnell.Model, Typed, cancellationToken: cancellationToken)
                : (await _sdk!.RunAsync(FluxSchnell.Model.Identifier, Anonymous, cancellationToken: cancellationToken)).AsFiles();
            result.LatenciesMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (files.Count != 1)
            {
                throw new InvalidOperationException($"{side} call {i} returned {files.Count} files, not 1.");
            }
        }

        return result;
    }

    public override IEnumerable<MetricSpec> Metrics()
    {
        yield return Throughput();
        yield return new MetricSpec("p50 latency, ms", m => m.Result.LatencyPercentile(0.50), Format: "0.000");
        yield return CpuPerUnit();
        yield return AllocatedPerUnit(Target.DeltaBelow(1, "KB"));
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        _sdk?.Dispose();
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }

        await base.DisposeAsyncCore();
    }
}
