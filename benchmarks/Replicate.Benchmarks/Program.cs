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
        int? iterations = null;
        string? outDirectory = null;
        var scenarios = new List<string>();
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
                case "-h" or "--help":
                    PrintUsage(Console.Out);
                    return 0;
                default:
                    await Console.Error.WriteLineAsync($"Unknown or incomplete argument '{args[i]}'.");
                    PrintUsage(Console.Error);
                    return 2;
            }
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

        BenchmarkReport report;
        try
        {
            report = await Scenarios.RunAsync(settings, scenarios, Console.Out, CancellationToken.None);
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
        var complete = !quick && scenarios.Count == 0 && iterations is null;
        var files = complete
            ? new[] { "latest.md", report.StartedAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + ".md" }
            : [quick ? "quick.md" : "scratch.md"];
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
          --micro [ARGS]     the BenchmarkDotNet micro benchmarks; ARGS go to BenchmarkDotNet (e.g. --filter *Sse*);
                             writes benchmarks/results/micro-latest.md
        """);
}
