using System.Text.Json;

namespace Replicate.Cli.Tests;

/// <summary><c>replicate batch</c> as a child process against an emulator the test hosts on loopback.</summary>
public class BatchTests
{
    [Fact]
    public async Task EveryLine_GetsOneJsonResultLine_AndAFailureExits1()
    {
        await using var cli = await CliHarness.StartAsync();
        var names = Enumerable.Range(0, 12).Select(i => "n" + i).ToList();
        await File.WriteAllLinesAsync(Path.Combine(cli.WorkDir.FullName, "inputs.jsonl"), [.. names.Select(n => $$"""{"text":"{{n}}"}"""), "", """{"text":"x","fail":true}"""]);
        cli.Emulator.AddModel("acme/greeter", (input, context) => input.TryGetProperty("fail", out var _)
            ? throw new Replicate.Testing.ModelFailedException("asked to fail")
            : Task.FromResult<object?>("hello " + input.GetProperty("text").GetString()));

        var result = await cli.RunAsync("batch", "acme/greeter", "--inputs", "inputs.jsonl", "--concurrency", "4");

        Assert.True(result.ExitCode == 1, result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(13, lines.Count);
        Assert.Equal(Enumerable.Range(0, 13).Select(i => (long)i), lines.Select(l => l.GetProperty("index").GetInt64()).Order());
        for (var i = 0; i < 12; i++)
        {
            var line = Assert.Single(lines, l => l.GetProperty("index").GetInt64() == i);
            Assert.Equal("succeeded", line.GetProperty("status").GetString());
            Assert.Equal("hello n" + i, line.GetProperty("output").GetString());
        }

        var failed = Assert.Single(lines, l => l.GetProperty("index").GetInt64() == 12);
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Contains("asked to fail", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(13, cli.Emulator.PredictionsCreated);
        Assert.Contains("12 succeeded, 1 failed", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AJournal_MakesTheSecondRunReportFromIt_WithoutANewPrediction_AndFilesAreSavedPerItem()
    {
        await using var cli = await CliHarness.StartAsync();
        await File.WriteAllTextAsync(Path.Combine(cli.WorkDir.FullName, "prompts.jsonl"), "{\"prompt\":\"fox\"}\n{\"prompt\":\"owl\"}\n");
        string[] args = ["batch", "black-forest-labs/flux-schnell", "--inputs", "prompts.jsonl", "--journal", "flux.journal", "--output-dir", "images", "--preserve-order"];

        var first = await cli.RunAsync(args);
        var second = await cli.RunAsync(args);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal(2, cli.Emulator.PredictionsCreated);
        var firstLines = first.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var secondLines = second.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([0L, 1L], firstLines.Select(l => l.GetProperty("index").GetInt64()));
        Assert.All(firstLines, l => Assert.False(l.GetProperty("from_journal").GetBoolean()));
        Assert.All(secondLines, l => Assert.True(l.GetProperty("from_journal").GetBoolean()));
        Assert.Equal(firstLines.Select(l => l.GetProperty("id").GetString()), secondLines.Select(l => l.GetProperty("id").GetString()));
        var saved = firstLines[1].GetProperty("output")[0].GetString()!;
        Assert.Equal(Path.Combine("images", "1", "out-0.png"), saved);
        Assert.True(new FileInfo(Path.Combine(cli.WorkDir.FullName, saved)).Length > 0);
    }

    [Fact]
    public async Task InputsFromStdin_AreRead_AndALineThatIsNotAnObjectExits2NamingIt()
    {
        await using var cli = await CliHarness.StartAsync();

        var piped = await cli.RunAsync(["batch", "replicate/hello-world", "--inputs", "-"], stdin: "{\"text\":\"a\"}\n{\"text\":\"b\"}\n");
        var broken = await cli.RunAsync(["batch", "replicate/hello-world", "--inputs", "-"], stdin: "{\"text\":\"a\"}\n[1,2]\n");
        var missing = await cli.RunAsync("batch", "replicate/hello-world", "--inputs", "nope.jsonl");
        await File.WriteAllTextAsync(Path.Combine(cli.WorkDir.FullName, "bad.jsonl"), "{\"text\":\"a\"}\n{\"text\":\"b\"}\nnot json\n");
        var createdBefore = cli.Emulator.PredictionsCreated;
        var badFile = await cli.RunAsync("batch", "replicate/hello-world", "--inputs", "bad.jsonl");

        Assert.True(piped.ExitCode == 0, piped.ToString());
        Assert.Equal(2, piped.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.True(broken.ExitCode == 2, broken.ToString());
        Assert.Contains("Line 2 of the inputs is not a JSON object", broken.Stderr, StringComparison.Ordinal);
        Assert.True(badFile.ExitCode == 2, badFile.ToString());
        Assert.Contains("Line 3 of the inputs is not JSON", badFile.Stderr, StringComparison.Ordinal);
        Assert.Equal(createdBefore, cli.Emulator.PredictionsCreated); // a file is checked whole before anything is sent
        Assert.True(missing.ExitCode == 2, missing.ToString());
        Assert.Contains("nope.jsonl", missing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CtrlC_CancelsTheRunningPredictionsOnTheServer_AndExits130()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.AddSlowModel("acme/slow");
        await File.WriteAllLinesAsync(Path.Combine(cli.WorkDir.FullName, "inputs.jsonl"), [.. Enumerable.Range(0, 6).Select(i => $$"""{"i":{{i}}}""")]);

        await using var run = cli.Start(["batch", "acme/slow", "--inputs", "inputs.jsonl", "--concurrency", "2", "--journal", "slow.journal"]);
        await CliHarness.WaitUntilAsync(() => cli.Emulator.PredictionsCreated == 2, TimeSpan.FromSeconds(30));
        run.Interrupt();
        var result = await run.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(130, result.ExitCode);
        Assert.Contains("canceled on the server", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("resume from slow.journal", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, cli.Emulator.PredictionsCreated);
        using var client = RunTests.Client(cli);
        var page = await client.Predictions.ListAsync();
        Assert.Equal(2, page.Results.Count);
        Assert.All(page.Results, p => Assert.Equal(PredictionStatus.Canceled, p.Status));
    }
}
