using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Runtime.CompilerServices;

namespace Replicate.Cli;

/// <summary>
/// Examples at the end of a command's <c>--help</c>. They are kept apart from the description, which the parent's help
/// lists as the one-line summary of each subcommand.
/// </summary>
internal static class Examples
{
    private static readonly ConditionalWeakTable<Command, string> Table = [];

    public static T WithExamples<T>(this T command, string examples)
        where T : Command
    {
        Table.AddOrUpdate(command, examples);
        return command;
    }

    /// <summary>Makes every <c>--help</c> under <paramref name="root"/> end with the command's examples.</summary>
    public static void Install(Command root)
    {
        var help = root.Options.OfType<HelpOption>().Single();
        if (help.Action is CommandLineAction inner)
        {
            help.Action = new ExamplesHelpAction(inner);
        }
    }

    /// <summary>
    /// The command's own examples; for a subcommand without any, the lines of its parent's examples that use it
    /// (<c>predictions get</c> shows the <c>replicate predictions get ...</c> lines of <c>predictions</c>).
    /// </summary>
    private static string? Find(Command command)
    {
        if (Table.TryGetValue(command, out var own))
        {
            return own;
        }

        if (command.Parents.FirstOrDefault() is Command parent && Table.TryGetValue(parent, out var inherited))
        {
            var lines = inherited.Split('\n').Where(l => l.Contains($" {parent.Name} {command.Name}", StringComparison.Ordinal)).ToList();
            return lines.Count > 0 ? string.Join('\n', lines) : inherited;
        }

        return null;
    }

    private sealed class ExamplesHelpAction(CommandLineAction inner) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var result = inner is SynchronousCommandLineAction sync ? sync.Invoke(parseResult) : 0;
            if (Find(parseResult.CommandResult.Command) is { } examples)
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Examples:");
                foreach (var line in examples.Split('\n'))
                {
                    output.WriteLine("  " + line.TrimEnd('\r'));
                }

                output.WriteLine();
            }

            return result;
        }
    }
}
