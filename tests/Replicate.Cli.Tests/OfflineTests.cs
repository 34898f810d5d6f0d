using Replicate.Tests;

namespace Replicate.Cli.Tests;

/// <summary><c>--emulator</c>: every command runs against an emulator inside the tool's own process.</summary>
public class OfflineTests
{
    [Fact]
    public async Task Emulator_RunsWithNoTokenAndNoReachableApi()
    {
        await using var cli = await CliHarness.StartAsync();
        await cli.Emulator.DisposeAsync(); // nothing listens at REPLICATE_BASE_URL any more
        cli.Environment["REPLICATE_API_TOKEN"] = null;

        var run = await cli.RunAsync("--emulator", "run", "black-forest-labs/flux-schnell", "prompt=fox");
        var stream = await cli.RunAsync("--emulator", "stream", "meta/meta-llama-3-8b-instruct", "prompt=hi", "max_tokens=3");
        var models = await cli.RunAsync("models", "list", "--emulator");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("out-0.png\n", run.Stdout);
        Assert.True(File.Exists(Path.Combine(cli.WorkDir.FullName, "out-0.png")));
        Assert.True(stream.ExitCode == 0, stream.ToString());
        Assert.Equal("You said: hi.\n", stream.Stdout);
        Assert.True(models.ExitCode == 0, models.ToString());
        Assert.Contains("black-forest-labs/flux-schnell\t", models.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutEmulator_AnUnreachableApi_Exits3()
    {
        // A bound port that nothing listens on: a disposed emulator's port could be taken by another test's server.
        await using var cli = await CliHarness.StartAsync();
        using var unreachable = new RefusingPort();
        cli.Environment["REPLICATE_BASE_URL"] = unreachable.BaseAddress.ToString();

        var result = await cli.RunAsync("hardware");

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith("error: ", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }
}
