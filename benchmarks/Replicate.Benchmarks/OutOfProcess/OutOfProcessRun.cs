using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Replicate.Benchmarks.Harness;

namespace Replicate.Benchmarks.OutOfProcess;

/// <summary>
/// <c>--out-of-process</c>: the scenarios with the server in another process, so CPU and allocations are the client's
/// own. Warm: in this process, after warm-up, alternating SDK and baseline runs (<see cref="ScenarioRunner"/>). Cold:
/// each run in a new process (<c>--cold</c>), alternating sides, timing the first result from the start of the run and
/// the process's whole CPU time, runtime start-up included.
/// </summary>
public static class OutOfProcessRun
{
    /// <summary>The scenarios, in the order they run (paginate first, before the others add predictions to list).</summary>
    public static IReadOnlyList<string> Names { get; } = ["paginate", "run_seq", "run_concurrent", "stream_burst", "stream_large", "file"];

    /// <summary>A cold run's figures cross the process boundary as JSON; a missing one is NaN.</summary>
    private static readonly JsonSerializerOptions ColdJson = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static async Task<BenchmarkReport> RunAsync(BenchmarkSettings settings, IReadOnlyCollection<string>? only, string? serverUrl, string? serverCommand, string? token, TextWriter log, CancellationToken cancellationToken)
    {
        var selected = only is { Count: > 0 } ? Names.Where(only.Contains).ToList() : [.. Names];
        if (only?.Where(name => !Names.Contains(name)).ToList() is { Count: > 0 } unknown)
        {
            throw new ArgumentException($"Unknown out-of-process scenario(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", Names)}.", nameof(only));
        }

        var started = DateTimeOffset.UtcNow;
        var loadBefore = MachineInfo.LoadAverage();
        await using var server = serverUrl is not null
            ? BenchServer.At(serverUrl, token)
            : await BenchServer.StartAsync(serverCommand, settings.PaginateItems, cancellationToken);
        await log.WriteLineAsync($"server: {server.Description} at {server.BaseAddress}");
        var results = new List<ScenarioResult>();
        foreach (var name in selected)
        {
            await log.WriteLineAsync($"{name} (warm):");
            await using (var scenario = Create(name, server, settings))
            {
                results.Add(await ScenarioRunner.RunAsync(scenario, settings, settings.Iterations, log, cancellationToken));
            }

            await log.WriteLineAsync($"{name} (cold, {settings.ColdRuns} new process(es) per side):");
            results.Add(await RunColdAsync(name, server, settings, log, cancellationToken));
        }

        var inv = CultureInfo.InvariantCulture;
        return new BenchmarkReport(settings, results, MachineInfo.Describe(), started, DateTimeOffset.UtcNow - started)
        {
            LoadAverageBefore = loadBefore,
            LoadAverageAfter = MachineInfo.LoadAverage(),
            Method = string.Create(inv, $"""
                - Server: {server.Description}, in its own process on 127.0.0.1. The client is this process alone: CPU (`Process.TotalProcessorTime`) and allocations (`GC.GetTotalAllocatedBytes(true)`) are the client's own.
                - Warm rows: warm-up rounds (a run of each side) in this process, at least {settings.Warmups}, then more until the JIT compiles no more than {settings.JitQuietMethods} methods in {settings.JitQuietWindow.TotalSeconds:0.#} s of rounds (tiered compilation done) or {settings.WarmupTimeLimit.TotalSeconds:0} s pass (each scenario's line below says which); then {settings.Iterations} measured runs per side, alternating which side goes first (run_seq in {settings.RunSeqSlices} alternating slices); medians. SDK/baseline is the ratio of the medians; paired is the median of each iteration's own ratio.
                - Cold rows (`(cold)`): each run in a new process (`--cold`), {settings.ColdRuns} per side, alternating sides; the process does one run of the scenario (run_seq: one slice of {Math.Max(1, settings.RunSeqCalls / settings.RunSeqSlices)} calls). "first result" is timed from the start of the run (client construction included) to the first answer, token, file header or page; "process CPU" is the child's whole CPU time, runtime start-up and JIT included; medians.
                """),
        };
    }

    /// <summary><c>--cold NAME --side sdk|baseline --base URL --token T [--quick]</c>: one run in this new process; prints one JSON line.</summary>
    public static async Task<int> ColdChildAsync(string name, Side side, string baseUrl, string token, BenchmarkSettings settings)
    {
        var uptimeAtStart = DateTime.Now - Process.GetCurrentProcess().StartTime;
        var server = BenchServer.At(baseUrl, token);
        await using var scenario = Create(name, server, settings);
        var started = Stopwatch.GetTimestamp();
        var result = await scenario.RunAsync(side, CancellationToken.None);
        var wall = Stopwatch.GetElapsedTime(started);
        using var process = Process.GetCurrentProcess();
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, double>
        {
            ["startup_ms"] = uptimeAtStart.TotalMilliseconds,
            ["first_ms"] = result.Extra.GetValueOrDefault("first", double.NaN),
            ["wall_ms"] = wall.TotalMilliseconds,
            ["cpu_ms"] = process.TotalProcessorTime.TotalMilliseconds,
            ["allocated_bytes"] = GC.GetTotalAllocatedBytes(precise: true),
            ["operations"] = result.Operations,
            ["jit_methods"] = System.Runtime.JitInfo.GetCompiledMethodCount(),
            ["jit_ms"] = System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds,
        }, ColdJson));
        return 0;
    }

    private static Scenario Create(string name, BenchServer server, BenchmarkSettings settings) => name switch
    {
        "run_seq" => new RemoteRunSeqScenario(server, settings),
        "run_concurrent" => new RemoteRunConcurrentScenario(server, settings),
        "stream_burst" => new RemoteStreamScenario(server, "stream_burst", settings.RemoteBurstTokens, 8),
        "stream_large" => new RemoteStreamScenario(server, "stream_large", settings.RemoteLargeTokens, settings.LargeTokenBytes),
        "file" => new RemoteFileScenario(server, settings.FileBytes),
        "paginate" => new RemotePaginateScenario(server),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown out-of-process scenario."),
    };

    private static async Task<ScenarioResult> RunColdAsync(string name, BenchServer server, BenchmarkSettings settings, TextWriter log, CancellationToken cancellationToken)
    {
        var runs = new List<(Side Side, Dictionary<string, double> Values)>();
        for (var i = 0; i < settings.ColdRuns; i++)
        {
            foreach (var side in i % 2 == 0 ? new[] { Side.Sdk, Side.Baseline } : [Side.Baseline, Side.Sdk])
            {
                if (name.StartsWith("stream_", StringComparison.Ordinal))
                {
                    await server.RestartIfEmulatorHostAsync(cancellationToken);
                }

                var values = await RunChildAsync(name, side, server, settings, cancellationToken);
                runs.Add((side, values));
                await log.WriteLineAsync(string.Create(
                    CultureInfo.InvariantCulture,
                    $"  {name,-15} cold {i + 1}/{settings.ColdRuns} {side,-8} first {values["first_ms"],9:N1} ms  wall {values["wall_ms"],9:N1} ms  process cpu {values["cpu_ms"],9:N1} ms  alloc {values["allocated_bytes"] / 1048576.0,8:N1} MiB"));
            }
        }

        // Issue 15's cold targets, for the first stream in a new process: first token within 15 ms of the baseline's, and
        // at least 0.80× its throughput.
        var streamTargets = name == "stream_burst";
        MetricRow Row(string metric, Func<Dictionary<string, double>, double> select, string? format = null, Target? target = null) => new()
        {
            Target = target,
            Scenario = name + " (cold)",
            Metric = metric,
            Sdk = ScenarioRunner.Median(runs.Where(r => r.Side == Side.Sdk).Select(r => select(r.Values))),
            Baseline = ScenarioRunner.Median(runs.Where(r => r.Side == Side.Baseline).Select(r => select(r.Values))),
            Format = format,
        };

        return new ScenarioResult
        {
            Name = name + " (cold)",
            Description = "the same run in a new process per run: " + name,
            Runs = [],
            Rows =
            [
                Row("first result, ms", v => v["first_ms"], "0.0", streamTargets ? Target.DeltaBelow(15, "ms") : null),
                Row("throughput of the run, per s", v => v["operations"] / (v["wall_ms"] / 1000), target: streamTargets ? Target.RatioAtLeast(0.80) : null),
                Row("process CPU (start-up included), ms", v => v["cpu_ms"], "0"),
                Row("process allocations, MiB", v => v["allocated_bytes"] / 1048576.0, "0.0"),
                Row("runtime start to Main, ms", v => v["startup_ms"], "0"),
                Row("methods JIT-compiled in the process", v => v["jit_methods"], "0"),
                Row("JIT time, ms", v => v["jit_ms"], "0"),
            ],
        };
    }

    private static async Task<Dictionary<string, double>> RunChildAsync(string name, Side side, BenchServer server, BenchmarkSettings settings, CancellationToken cancellationToken)
    {
        var arguments = new List<string> { "--cold", name, "--side", side.ToString(), "--base", server.BaseAddress.AbsoluteUri, "--token", server.Token };
        if (settings.IsQuick)
        {
            arguments.Add("--quick");
        }

        if (BenchHttp.TrustedCertificatePath is { } certificate)
        {
            arguments.AddRange(["--trust-cert", certificate]);
        }

        var start = BenchServer.SelfCommand([.. arguments]);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start a cold benchmark process.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.RunTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The cold {side} run of {name} took longer than {settings.RunTimeout}.");
        }

        var output = await stdout;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The cold {side} run of {name} exited {process.ExitCode}: {await stderr}");
        }

        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();
        return JsonSerializer.Deserialize<Dictionary<string, double>>(line, ColdJson)
            ?? throw new InvalidOperationException($"The cold {side} run of {name} printed no result.");
    }
}
