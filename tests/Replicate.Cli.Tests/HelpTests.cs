namespace Replicate.Cli.Tests;

/// <summary><c>--help</c> on every command (with examples), <c>--version</c>, and usage errors.</summary>
public class HelpTests
{
    public static TheoryData<string> Commands() =>
    [
        "run", "stream", "predictions", "predictions list", "predictions get", "predictions cancel", "predictions wait",
        "models", "models get", "models list", "models search", "models schema", "models versions", "models create", "models update", "models delete", "schema pull",
        "trainings", "trainings create", "trainings list", "trainings get", "trainings cancel",
        "deployments", "deployments list", "deployments get", "deployments create", "deployments update", "deployments delete",
        "files", "files upload", "files list", "files get", "files delete", "files download",
        "hardware", "account", "auth", "auth login", "auth logout",
    ];

    [Fact]
    public async Task RootHelp_ListsEveryCommand_WithExamples()
    {
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        foreach (var command in new[] { "run", "stream", "predictions", "models", "schema", "trainings", "deployments", "files", "hardware", "account", "auth" })
        {
            Assert.Contains("\n  " + command + " ", result.Stdout, StringComparison.Ordinal);
        }

        Assert.Contains("Examples:\n  replicate run ", result.Stdout, StringComparison.Ordinal);
        Assert.Empty(cli.Emulator.Requests);
    }

    /// <summary>In-process (the same command tree the tool builds), so every command is covered without a process each.</summary>
    [Theory]
    [MemberData(nameof(Commands))]
    public async Task EveryCommandsHelp_EndsWithExamplesOfThatCommand(string command)
    {
        using var interrupt = new Interrupt(TextWriter.Null);
        var root = CliApp.CreateRootCommand(interrupt);
        var output = new StringWriter();

        var exitCode = await root.Parse([.. command.Split(' '), "--help"]).InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = output, Error = output });

        var help = output.ToString().ReplaceLineEndings("\n");
        Assert.Equal(0, exitCode);
        Assert.Contains("Usage:\n  replicate " + command, help, StringComparison.Ordinal);
        var examples = help[(help.IndexOf("Examples:\n", StringComparison.Ordinal) + 1)..];
        Assert.Contains("replicate " + command.Split(' ')[0], examples, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_PrintsTheVersion()
    {
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunAsync("--version");

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+\S*\n$", result.Stdout);
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("run")]
    [InlineData("predictions", "get")]
    [InlineData("run", "meta/meta-llama-3-8b-instruct", "--no-such-option")]
    [InlineData("run", "not a model", "prompt=hi")]
    public async Task UsageErrors_Exit2_WithAHint_AndSendNothing(params string[] args)
    {
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("hint: ", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(cli.Emulator.Requests);
    }
}
