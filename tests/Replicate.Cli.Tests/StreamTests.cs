using System.Text.Json;

namespace Replicate.Cli.Tests;

/// <summary><c>replicate stream</c>: tokens to stdout as they arrive, logs to stderr, Ctrl+C cancels.</summary>
public class StreamTests
{
    [Fact]
    public async Task TokensGoToStdout_LogsToStderr()
    {
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunAsync("stream", "meta/meta-llama-3-8b-instruct", "prompt=hi", "max_tokens=5");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("You said: hi. I'm a\n", result.Stdout);
        Assert.Contains("Loading meta-llama-3-8b-instruct (emulated)", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Loading", result.Stdout, StringComparison.Ordinal);
        Assert.Contains(cli.Emulator.Requests, r => r.Method == "GET" && r.Path.StartsWith("/v1/streams/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Json_WritesOneEventPerLine()
    {
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunAsync("stream", "meta/meta-llama-3-8b-instruct", "prompt=hi", "max_tokens=2", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var events = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(["You", " said:"], events.Where(e => e.GetProperty("event").GetString() == "output").Select(e => e.GetProperty("data").GetString()));
        Assert.Equal("done", events[^1].GetProperty("event").GetString());
        Assert.Contains(events, e => e.GetProperty("event").GetString() == "logs");
    }

    [Fact]
    public async Task FailingModel_Exits1()
    {
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunAsync("stream", "replicate/failing-model", "message=boom");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("boom", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CtrlC_CancelsThePredictionOnTheServer_AndExits130()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Emulator.AddModel("acme/slow-writer", async (_, context) =>
        {
            context.Output("first ");
            await Task.Delay(TimeSpan.FromSeconds(30), context.CancellationToken);
            return null;
        });

        await using var run = cli.Start(["stream", "acme/slow-writer"]);
        await run.WaitForStderrAsync("prediction ", TimeSpan.FromSeconds(30));
        await CliHarness.WaitUntilAsync(() => cli.Emulator.Requests.Any(r => r.Path.StartsWith("/v1/streams/", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));

        run.Interrupt();
        var result = await run.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(130, result.ExitCode);
        Assert.Contains("Canceled prediction", result.Stderr, StringComparison.Ordinal);
        using var client = RunTests.Client(cli);
        var prediction = Assert.Single((await client.Predictions.ListAsync()).Results);
        Assert.Equal(PredictionStatus.Canceled, prediction.Status);
    }
}
