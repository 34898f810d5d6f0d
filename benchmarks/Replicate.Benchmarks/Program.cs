using System.Globalization;
using Replicate.Benchmarks.Harness;
using Replicate.Benchmarks.Micro;

namespace Replicate.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project benchmarks/Replicate.Benchmarks -- [--quick] [--scenario NAME]... [--iterations N] [--out DIR] [--micro [BenchmarkDotNet args]]</c>
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var quick = false;
        var micro = false;
        var outOfProcess = false;
        string? server = null;
        string? serverCommand = null;
        string? token = null;
        string? cold = null;
        string? coldBase = null;
        var side = Harness.Side.Sdk;
        int? serve = null;
        int? coldRuns = null;
        int? iterations = null;
        string? outDirectory = null;
        var scenarios = new List<string>();
        var allocProfile = false;
        var microArgs = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (micro)
            {
                microArgs.Add(args[i]);
                continue;
            }

            switch (args[i])
            {
                case "--quick":
                    quick = true;
                    break;
                case "--micro":
                    micro = true;
                    break;
                case "--scenario" when i + 1 < args.Length:
                    scenarios.AddRange(args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    break;
                case "--iterations" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0:
                    iterations = n;
                    i++;
                    break;
                case "--out" when i + 1 < args.Length:
                    outDirectory = args[++i];
                    break;
                case "--out-of-process":
                    outOfProcess = true;
                    break;
                case "--server" when i + 1 < args.Length:
                    server = args[++i];
                    outOfProcess = true;
                    break;
                case "--server-command" when i + 1 < args.Length:
                    serverCommand = args[++i];
                    outOfProcess = true;
                    break;
                case "--token" when i + 1 < args.Length:
                    token = args[++i];
                    break;
                case "--cold-runs" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var runs) && runs > 0:
                    coldRuns = runs;
                    i++;
                    break;
                case "--trust-cert" when i + 1 < args.Length:
                    BenchHttp.Trust(args[++i]);
                    break;
                case "--alloc-profile":
                    allocProfile = true;
                    break;
                case "--serve":
                    serve = 0;
                    break;
                case "--seed" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var seed):
                    serve = seed;
                    i++;
                    break;
                case "--cold" when i + 1 < args.Length:
                    cold = args[++i];
                    break;
                case "--side" when i + 1 < args.Length && Enum.TryParse<Harness.Side>(args[i + 1], ignoreCase: true, out var parsedSide):
                    side = parsedSide;
                    i++;
                    break;
                case "--base" when i + 1 < args.Length:
                    coldBase = args[++i];
                    break;
                case "-h" or "--help":
                    PrintUsage(Console.Out);
                    return 0;
                default:
                    await Console.Error.WriteLineAsync($"Unknown or incomplete argument '{args[i]}'.");
                    PrintUsage(Console.Error);
                    return 2;
            }
        }

        if (allocProfile)
        {
            await Micro.AllocationProfile.RunAsync(Console.Out, server is null ? null : new Uri(server), token ?? "r8_benchmark");
            return 0;
        }

        if (serve is { } seedCount)
        {
            return await OutOfProcess.BenchServer.ServeAsync(seedCount);
        }

        if (cold is not null)
        {
            return coldBase is null
                ? 2
                : await OutOfProcess.OutOfProcessRun.ColdChildAsync(cold, side, coldBase, token ?? "r8_benchmark", quick ? BenchmarkSettings.Quick : BenchmarkSettings.Full);
        }

        var results = outDirectory ?? ResultsDirectory();
        Directory.CreateDirectory(results);
        if (micro)
        {
            MicroBenchmarks.Run([.. microArgs], results);
            return 0;
        }

        var settings = quick ? BenchmarkSettings.Quick : BenchmarkSettings.Full;
        if (iterations is { } count)
        {
            settings = settings with { Iterations = count, ConcurrentIterations = count };
        }

        if (coldRuns is { } coldCount)
        {
            settings = settings with { ColdRuns = coldCount };
        }

        BenchmarkReport report;
        try
        {
            report = outOfProcess
                ? await OutOfProcess.OutOfProcessRun.RunAsync(settings, scenarios, server, serverCommand, token, Console.Out, CancellationToken.None)
                : await Scenarios.RunAsync(settings, scenarios, Console.Out, CancellationToken.None);
        }
        catch (ArgumentException ex) when (ex.ParamName == "only")
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 2;
        }

        var markdown = report.ToMarkdown();
        Console.WriteLine();
        Console.WriteLine(markdown);

        // Only a complete full run replaces the committed results; quick and partial runs go to a scratch file.
        var complete = !quick && scenarios.Count == 0 && iterations is null && coldRuns is null;
        var prefix = (outOfProcess ? "out-of-process-" : string.Empty) + MachineInfo.TablePrefix + (BenchHttp.TrustedCertificate is not null ? "tls-" : string.Empty);
        var files = complete
            ? new[] { prefix + "latest.md", prefix + report.StartedAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + ".md" }
            : [prefix + (quick ? "quick.md" : "scratch.md")];
        foreach (var file in files)
        {
            var path = Path.Combine(results, file);
            await File.WriteAllTextAsync(path, markdown);
            Console.WriteLine("Wrote " + path);
        }

        return 0;
    }

    /// <summary><c>benchmarks/results</c> of the repository this runs from, found from the working or the build directory.</summary>
    private static string ResultsDirectory()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "benchmarks", "Replicate.Benchmarks", "Replicate.Benchmarks.csproj")))
                {
                    return Path.Combine(dir.FullName, "benchmarks", "results");
                }
            }
        }

        return Path.Combine(Directory.GetCurrentDirectory(), "benchmark-results");
    }

    private static void PrintUsage(TextWriter writer) => writer.WriteLine(
        """
        Usage: dotnet run -c Release --project benchmarks/Replicate.Benchmarks -- [options]
          (no options)       every end-to-end scenario at full size; writes benchmarks/results/latest.md and <date>.md
          --quick            every scenario shrunk to seconds (CI); writes benchmarks/results/quick.md
          --scenario NAME    only these scenarios (repeat or comma-separate): run_seq, run_concurrent, stream_burst,
                             stream_large, file, paginate; writes benchmarks/results/scratch.md
          --iterations N     measured runs per side (default 21; 7 for run_concurrent)
          --out DIR          write result files to DIR instead
          --out-of-process   the server in another process (default: the emulator host, this program --serve), warm
                             and cold (a new process per run); writes results/out-of-process-latest.md and <date>.md
                             (out-of-process-r2r-*.md when run from a PublishReadyToRun publish of this program)
          --trust-cert F     trust this self-signed certificate (PEM) on both sides, for a server whose files are served
                             over TLS (the Node fake's --tls-cert/--tls-key); results go to out-of-process-tls-*.md
          --server URL       out of process, against a server already running at URL (--token T: its token)
          --server-command C out of process, against the server command C starts (it prints its origin first), e.g.
                             "node ../shared/fake-replicate/server.mjs --seed 10000 --max-lifetime-s 7200"
          --cold-runs N      new processes per side for the cold rows (default 7)
          --alloc-profile    bytes per RunAsync call (SDK and baseline, in-memory handler) and the SDK's allocations by type;
                             with --server URL, over real sockets to that server
          --micro [ARGS]     the BenchmarkDotNet micro benchmarks; ARGS go to BenchmarkDotNet (e.g. --filter *Sse*);
                             writes benchmarks/results/micro-latest.md
        """);
}
