using System.CommandLine;
using System.Text;

namespace Replicate.Cli.Commands;

/// <summary><c>replicate hardware</c>, <c>replicate account</c> and <c>replicate auth login|logout</c>.</summary>
internal static class AccountCommands
{
    public static Command CreateHardware(Interrupt interrupt)
    {
        var command = new Command("hardware", "List the hardware you can run models and deployments on (the SKU goes in --hardware)").WithExamples("""
            replicate hardware
            replicate hardware --json | jq -r '.[].sku'
            """);
        CommandRunner.SetAction(command, interrupt, async context =>
        {
            var client = await context.GetClientAsync().ConfigureAwait(false);
            var hardware = await client.Hardware.ListAsync(context.CancellationToken).ConfigureAwait(false);
            Output.WriteList(context, hardware, ["sku", "name"], h => new[] { h.Sku, h.Name });

            return ExitCodes.Success;
        });
        return command;
    }

    public static Command CreateAccount(Interrupt interrupt)
    {
        var command = new Command("account", "Show the account the token belongs to").WithExamples("""
            replicate account
            replicate account --json
            """);
        CommandRunner.SetAction(command, interrupt, async context =>
        {
            var client = await context.GetClientAsync().ConfigureAwait(false);
            var account = await client.Account.GetAsync(context.CancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                Output.WriteJson(context, account);
            }
            else
            {
                Output.WriteDetails(context, [("username", account.Username), ("name", account.Name), ("type", account.Type.ToString()), ("github", account.GithubUrl?.ToString())]);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    public static Command CreateAuth(Interrupt interrupt)
    {
        var login = new Command("login", "Save an API token: read from stdin (never an argument, which `ps` shows), checked, stored readable only by you").WithExamples("""
            replicate auth login                       (paste the token when asked)
            pass show replicate | replicate auth login
            replicate auth logout
            """);
        CommandRunner.SetAction(login, interrupt, LoginAsync);

        var logout = new Command("logout", "Remove the saved API token");
        CommandRunner.SetAction(logout, interrupt, context =>
        {
            var removed = TokenStore.Delete();
            if (context.Json)
            {
                Output.WriteJson(context, new { logged_out = removed });
            }
            else
            {
                context.Out.WriteLine(removed ? "Logged out: the saved token was removed." : "Not logged in: no token was saved.");
            }

            if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("REPLICATE_API_TOKEN")))
            {
                context.Error.WriteLine("note: REPLICATE_API_TOKEN is still set in this environment.");
            }

            return Task.FromResult(ExitCodes.Success);
        });

        var auth = new Command("auth", "Log in with an API token, or log out").WithExamples("""
            replicate auth login
            replicate auth logout
            """);
        auth.Add(login);
        auth.Add(logout);
        return auth;
    }

    private static async Task<int> LoginAsync(CliContext context)
    {
        if (context.IsInputTerminal)
        {
            await context.Error.WriteAsync("Paste your API token (https://replicate.com/account/api-tokens): ").ConfigureAwait(false);
        }

        var token = (context.IsInputTerminal ? ReadHidden() : await context.Input.ReadLineAsync(context.CancellationToken).ConfigureAwait(false))?.Trim();
        if (string.IsNullOrEmpty(token))
        {
            throw CliException.Usage("No token on stdin.", "Pipe it in (pass show replicate | replicate auth login) or paste it when asked.");
        }

        Account account;
        // Against the API (or, with --emulator, the embedded emulator's address), with the token just read.
        var baseAddress = context.UseEmulator ? (await context.GetClientAsync().ConfigureAwait(false)).BaseAddress : null;
        using (var client = CliContext.CreateClient(token, baseAddress))
        {
            try
            {
                account = await client.Account.GetAsync(context.CancellationToken).ConfigureAwait(false);
            }
            catch (ReplicateApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.Unauthorized)
            {
                throw new CliException(ExitCodes.ApiError, "The API refused this token (401); nothing was saved.", "Copy the token again from https://replicate.com/account/api-tokens.");
            }
        }

        TokenStore.Write(token);
        if (context.Json)
        {
            Output.WriteJson(context, new { username = account.Username, config = TokenStore.ConfigFile });
        }
        else
        {
            context.Out.WriteLine($"Logged in as {account.Username}. The token is saved in {TokenStore.ConfigFile}.");
        }

        return ExitCodes.Success;
    }

    /// <summary>Reads a line from the terminal without echoing it.</summary>
    private static string ReadHidden()
    {
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.Error.WriteLine();
                return text.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }
    }
}
