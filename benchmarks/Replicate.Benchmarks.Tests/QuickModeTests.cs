using Replicate.Benchmarks;

namespace Replicate.Benchmarks.Tests;

public class QuickModeTests
{
    [Fact]
    public async Task Quick_mode_runs_every_scenario_end_to_end_and_reports_nonzero_numbers()
    {
        // Bounded, so a hang fails here instead of stalling CI: a hang guard, not a speed check. Quick mode takes under
        // a minute alone on 2 cores, but dotnet test runs the test assemblies side by side, which can slow it 3x and
        // more: 600 s leaves room for that load.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(600));

        var report = await Scenarios.RunQuickAsync(cancellationToken: timeout.Token);

        Assert.Equal(Scenarios.Names, report.Scenarios.Select(s => s.Name));
        foreach (var scenario in report.Scenarios)
        {
            Assert.NotEmpty(scenario.Rows);
            var throughput = scenario.Rows[0];
            Assert.True(
                throughput.Sdk > 0 && throughput.Baseline > 0 && double.IsFinite(throughput.Sdk) && double.IsFinite(throughput.Baseline),
                $"{scenario.Name} {throughput.Metric}: SDK {throughput.Sdk}, baseline {throughput.Baseline}");
            Assert.Contains(scenario.Runs, r => r.Side == Harness.Side.Sdk);
            Assert.Contains(scenario.Runs, r => r.Side == Harness.Side.Baseline);
            Assert.All(scenario.Runs, r => Assert.True(r.Result.Operations > 0 && r.AllocatedBytes > 0 && r.Wall > TimeSpan.Zero, $"{scenario.Name} {r.Side}"));
        }

        var concurrent = Assert.Single(report.Scenarios, s => s.Name == "run_concurrent");
        var errors = Assert.Single(concurrent.Rows, r => r.Metric.StartsWith("exceptions", StringComparison.Ordinal));
        Assert.Equal(0, errors.Sdk);
        Assert.Equal(0, errors.Baseline);

        var markdown = report.ToMarkdown();
        Assert.All(Scenarios.Names, name => Assert.Contains("| " + name + " |", markdown, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Out_of_process_quick_mode_runs_every_scenario_warm_and_cold_against_the_emulator_host()
    {
        // The emulator host is a second process (this benchmark program with --serve), and each cold row runs its own
        // process per side: bounded like the test above.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(600));

        var report = await OutOfProcess.OutOfProcessRun.RunAsync(Harness.BenchmarkSettings.Quick, null, null, null, null, TextWriter.Null, timeout.Token);

        var expected = OutOfProcess.OutOfProcessRun.Names.SelectMany(name => new[] { name, name + " (cold)" });
        Assert.Equal(expected, report.Scenarios.Select(s => s.Name));
        foreach (var row in report.Scenarios.Select(s => s.Rows[0]))
        {
            Assert.True(
                row.Sdk > 0 && row.Baseline > 0 && double.IsFinite(row.Sdk) && double.IsFinite(row.Baseline),
                $"{row.Scenario} {row.Metric}: SDK {row.Sdk}, baseline {row.Baseline}");
        }

        Assert.Contains("server in another process", report.ToMarkdown(), StringComparison.Ordinal);
    }
}
