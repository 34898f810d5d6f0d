using System.Diagnostics;
using Replicate.Testing;

namespace Replicate.Cli.Tests;

/// <summary>Failures the API causes, and the second Ctrl+C.</summary>
public class ErrorTests
{
    [Fact]
    public async Task ThrottledBeyondWhatRetriesWait_Exits3_SayingSo()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Emulator.Faults.Add(new EmulatorFault
        {
            PathPrefix = "/v1/hardware",
            StatusCode = 429,
            Headers = new Dictionary<string, string> { ["Retry-After"] = "3600" },
            Times = 10,
        });

        var result = await cli.RunAsync("hardware");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("429", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("hint: Throttled", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnInputTheServerRefuses_Exits2()
    {
        await using var cli = await CliHarness.StartAsync();
        var fluxVersion = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("black-forest-labs/flux-schnell"u8));

        // A bare version id names no model, so the tool cannot read the schema: values go as text, and the API says no.
        var result = await cli.RunAsync("run", fluxVersion, "prompt=fox", "num_outputs=two");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("422", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("num_outputs", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CtrlCBeforeTheCreateAnswered_LetsItFinish_ThenCancelsWhatItMade()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.AddSlowModel("acme/slow");

        // The first create is throttled for 2 s: the SDK waits and sends it again, and the Ctrl+C lands in that wait.
        cli.Emulator.Faults.Add(new EmulatorFault
        {
            Method = "POST",
            PathPrefix = "/v1/models/acme/slow/predictions",
            StatusCode = 429,
            Headers = new Dictionary<string, string> { ["Retry-After"] = "2" },
        });
        await using var run = cli.Start(["run", "acme/slow"]);
        await CliHarness.WaitUntilAsync(() => cli.Emulator.Requests.Any(r => r.Method == "POST"), TimeSpan.FromSeconds(30));

        run.Interrupt();
        var result = await run.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(130, result.ExitCode);
        Assert.Equal(2, cli.Emulator.Requests.Count(r => r.Method == "POST" && r.Path == "/v1/models/acme/slow/predictions"));
        using var client = RunTests.Client(cli);
        var prediction = Assert.Single((await client.Predictions.ListAsync()).Results);
        Assert.Equal(PredictionStatus.Canceled, prediction.Status);
        Assert.Contains($"Canceled prediction {prediction.Id}", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CtrlCDuringPredictionsWait_StopsWaiting_AndLeavesThePredictionRunning()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.AddSlowModel("acme/slow");
        using var client = RunTests.Client(cli);
        var prediction = await client.Predictions.CreateAsync("acme/slow", new { });

        await using var run = cli.Start(["predictions", "wait", prediction.Id]);
        await run.WaitForStderrAsync("processing", TimeSpan.FromSeconds(30));
        run.Interrupt();
        var result = await run.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(130, result.ExitCode);
        Assert.Contains($"prediction {prediction.Id} is still running", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(cli.Emulator.Requests, r => r.Path.EndsWith("/cancel", StringComparison.Ordinal));
        Assert.Equal(PredictionStatus.Processing, (await client.Predictions.GetAsync(prediction.Id)).Status);
    }

    [Fact]
    public async Task ASecondCtrlC_ExitsAtOnce_WhileTheCancelIsStillWaiting()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.AddSlowModel("acme/slow");

        await using var run = cli.Start(["run", "acme/slow"]);
        await run.WaitForStderrAsync("processing", TimeSpan.FromSeconds(30));
        cli.Emulator.Faults.Add(new EmulatorFault { Method = "POST", PathPrefix = "/v1/predictions/", Kind = EmulatorFaultKind.Hang, Times = 10 });
        run.Interrupt();
        await run.WaitForStderrAsync("press Ctrl+C again", TimeSpan.FromSeconds(30));
        await CliHarness.WaitUntilAsync(() => cli.Emulator.Requests.Any(r => r.Method == "POST" && r.Path.EndsWith("/cancel", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));

        var second = Stopwatch.StartNew();
        run.Interrupt();
        var result = await run.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(130, result.ExitCode);
        Assert.Contains("exiting without waiting", result.Stderr, StringComparison.Ordinal);
        // At once, not after the 15 s the tool gives the hung cancel: 10 s leaves room for a loaded machine.
        Assert.True(second.Elapsed < TimeSpan.FromSeconds(10), $"took {second.Elapsed} after the second Ctrl+C");
    }
}
