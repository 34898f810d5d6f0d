using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Replicate.Cli;
using Replicate.Cli.Commands;

Console.OutputEncoding = System.Text.Encoding.UTF8;
using var interrupt = new Interrupt(Console.Error);
var root = CliApp.CreateRootCommand(interrupt);
return await CliApp.RunAsync(root, args, interrupt).ConfigureAwait(false);

namespace Replicate.Cli
{
    /// <summary>The command tree and how a command line becomes an exit code.</summary>
    internal static class CliApp
    {
        public static Command CreateRootCommand(Interrupt interrupt)
        {
            // A plain Command named "replicate", not RootCommand, whose name is the executable's: that is "Replicate.Cli"
            // under `dotnet Replicate.Cli.dll`, and help must show the command people type.
            var root = new Command("replicate", """
                replicate: run machine-learning models on Replicate from your terminal.
                Set REPLICATE_API_TOKEN (or run `replicate auth login`), or add --emulator to try everything offline.
                Exit codes: 0 success, 1 prediction failed or canceled, 2 usage error, 3 API or network error, 130 interrupted.
                """)
            {
                new HelpOption(),
                new VersionOption(),
                GlobalOptions.Json,
                GlobalOptions.Emulator,
                RunCommand.Create(interrupt),
                StreamCommand.Create(interrupt),
                BatchCommand.Create(interrupt),
                PredictionsCommand.Create(interrupt),
                ModelsCommand.Create(interrupt),
                ModelsCommand.CreateSchema(interrupt),
                TrainingsCommand.Create(interrupt),
                DeploymentsCommand.Create(interrupt),
                FilesCommand.Create(interrupt),
                AccountCommands.CreateHardware(interrupt),
                AccountCommands.CreateAccount(interrupt),
                AccountCommands.CreateAuth(interrupt),
            };
            root.WithExamples("""
                replicate run black-forest-labs/flux-schnell prompt="a lighthouse at dusk"
                replicate stream meta/meta-llama-3-8b-instruct prompt="Write a haiku"
                replicate schema pull black-forest-labs/flux-schnell
                replicate --emulator run black-forest-labs/flux-schnell prompt=fox
                """);
            Examples.Install(root);
            return root;
        }

        public static async Task<int> RunAsync(Command root, string[] args, Interrupt interrupt)
        {
            var parseResult = root.Parse(args);
            if (args.Length == 0)
            {
                parseResult = root.Parse(["--help"]);
                await parseResult.InvokeAsync(Configuration(), interrupt.Token).ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (parseResult.Errors.Count > 0 && parseResult.Action is ParseErrorAction)
            {
                foreach (var error in parseResult.Errors)
                {
                    await Console.Error.WriteLineAsync("error: " + error.Message).ConfigureAwait(false);
                }

                var path = string.Join(' ', CommandPath(parseResult.CommandResult.Command));
                await Console.Error.WriteLineAsync($"hint: run `{path} --help` for usage and examples.").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            return await parseResult.InvokeAsync(Configuration(), interrupt.Token).ConfigureAwait(false);
        }

        /// <summary>Ctrl+C is ours (<see cref="Interrupt"/>): System.CommandLine must neither handle it nor catch exceptions.</summary>
        private static InvocationConfiguration Configuration() => new()
        {
            ProcessTerminationTimeout = null,
            EnableDefaultExceptionHandler = false,
        };

        private static Stack<string> CommandPath(Command command)
        {
            var names = new Stack<string>();
            for (Symbol? symbol = command; symbol is not null; symbol = symbol.Parents.FirstOrDefault())
            {
                names.Push(symbol.Name);
            }

            return names;
        }
    }
}
