using System.Text.RegularExpressions;

namespace Replicate.Cli.Tests;

/// <summary>The README's section on the tool matches the tool: its help block, and every command of its walk-through parses.</summary>
public partial class ReadmeTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));

    [Fact]
    public async Task TheHelpBlock_IsWhatReplicateHelpPrints()
    {
        await using var cli = await CliHarness.StartAsync();
        var block = HelpBlock().Match(Readme);
        Assert.True(block.Success, "The README has no cli-help block.");

        var result = await cli.RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(block.Groups[1].Value.TrimEnd(), result.Stdout.ReplaceLineEndings("\n").TrimEnd());
    }

    [Fact]
    public void EveryCommandOfTheWalkThrough_Parses()
    {
        using var interrupt = new Interrupt(TextWriter.Null);
        var root = CliApp.CreateRootCommand(interrupt);
        var commands = ConsoleBlock().Matches(Section("## Command-line tool")).SelectMany(m => m.Groups[1].Value.Split('\n'))
            .Where(line => line.StartsWith("$ replicate ", StringComparison.Ordinal))
            .Select(line => line["$ replicate ".Length..].Split('#')[0].Split(" 2>")[0].Split(" > ")[0].Split(" | ")[0].Trim()) // the shell's part is not the tool's
            .ToList();

        Assert.True(commands.Count >= 4, string.Join("\n", commands));
        foreach (var command in commands)
        {
            var parsed = root.Parse(command);
            Assert.True(parsed.Errors.Count == 0, command + ": " + string.Join("; ", parsed.Errors.Select(e => e.Message)));
        }
    }

    private static string Section(string heading)
    {
        var start = Readme.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"The README has no section '{heading}'.");
        var end = Readme.IndexOf("\n## ", start + heading.Length + 2, StringComparison.Ordinal);
        return end < 0 ? Readme[start..] : Readme[start..end];
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Replicate.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Replicate.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"<!-- cli-help:begin -->\n```text\n(.*?)```\n<!-- cli-help:end -->", RegexOptions.Singleline)]
    private static partial Regex HelpBlock();

    [GeneratedRegex(@"```console\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ConsoleBlock();
}
