using System.Globalization;
using System.Text;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Replicate.Benchmarks.Harness;

namespace Replicate.Benchmarks.Micro;

/// <summary>Runs the BenchmarkDotNet suite in process and writes its tables to <c>micro-latest.md</c>.</summary>
public static class MicroBenchmarks
{
    public static readonly Type[] All =
    [
        typeof(PredictionJsonBenchmarks),
        typeof(ClientPathBenchmarks),
        typeof(InputSerializationBenchmarks),
        typeof(ModelIdentifierBenchmarks),
        typeof(SseBenchmarks),
    ];

    public static void Run(string[] args, string resultsDirectory)
    {
        // In process: no generated project to build (which would inherit this repository's analyzers and package pins),
        // and the same runtime and GC settings as the end-to-end scenarios.
        var job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithWarmupCount(4)
            .WithIterationCount(12)
            .WithId("InProcess");
        var config = ManualConfig.Create(DefaultConfig.Instance)
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithOptions(ConfigOptions.DisableLogFile);

        var filtered = args.Any(a => a.StartsWith("--filter", StringComparison.Ordinal) || a == "-f");
        var summaries = BenchmarkSwitcher.FromTypes(All).Run(filtered ? args : [.. args, "--filter", "*"], config).ToList();

        var machine = MachineInfo.Describe();
        var md = new StringBuilder();
        md.AppendLine("# Micro benchmarks (BenchmarkDotNet, in process, MemoryDiagnoser)");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- Date: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Machine: {machine.Cores} cores ({machine.Cpu}), {machine.Memory}, {machine.OperatingSystem}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Runtime: {machine.Runtime}, {machine.Gc} GC");
        if (machine.Commit is not null)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- Source: `{machine.Commit}`");
        }

        foreach (var summary in summaries)
        {
            var logger = new AccumulationLogger();
            MarkdownExporter.GitHub.ExportToLog(summary, logger);
            md.AppendLine();
            md.AppendLine("## " + summary.BenchmarksCases.FirstOrDefault()?.Descriptor.Type.Name);
            md.AppendLine();
            md.Append(logger.GetLog());
        }

        var files = filtered ? new[] { "micro-scratch.md" } : ["micro-latest.md", "micro-" + DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + ".md"];
        foreach (var file in files)
        {
            var path = Path.Combine(resultsDirectory, file);
            File.WriteAllText(path, md.ToString());
            Console.WriteLine("Wrote " + path);
        }
    }
}
