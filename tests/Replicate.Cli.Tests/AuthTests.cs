using System.Text.Json;
using Replicate.Testing;

namespace Replicate.Cli.Tests;

/// <summary>Where the token comes from, what happens without one, and that it never shows.</summary>
public class AuthTests
{
    [Fact]
    public async Task WithoutAToken_Exits3_SayingHowToSetOne_AndSendsNothing()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Environment["REPLICATE_API_TOKEN"] = null;

        var result = await cli.RunAsync("run", "meta/meta-llama-3-8b-instruct", "prompt=hi");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("No API token: set REPLICATE_API_TOKEN or run `replicate auth login`", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(cli.Emulator.Requests);
    }

    [Fact]
    public async Task Login_ReadsTheTokenFromStdin_ChecksIt_AndSavesItReadableOnlyByTheUser_LogoutRemovesIt()
    {
        await using var cli = await CliHarness.StartAsync(o => o.ApiToken = "r8_login_secret_123");
        cli.Environment["REPLICATE_API_TOKEN"] = null;

        var login = await cli.RunAsync(["auth", "login"], stdin: "r8_login_secret_123\n");

        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.Contains("Logged in as emulator", login.Stdout, StringComparison.Ordinal);
        Assert.Single(cli.Emulator.Requests, r => r.Path == "/v1/account" && r.CarriesToken("r8_login_secret_123"));
        Assert.True(File.Exists(cli.ConfigFile));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cli.ConfigFile));
        }

        // Later commands use the saved token.
        var account = await cli.RunAsync("account", "--json");
        Assert.True(account.ExitCode == 0, account.ToString());
        Assert.Equal("emulator", JsonDocument.Parse(account.Stdout).RootElement.GetProperty("username").GetString());

        var logout = await cli.RunAsync("auth", "logout");
        Assert.Equal(0, logout.ExitCode);
        Assert.False(File.Exists(cli.ConfigFile));
        Assert.Equal(3, (await cli.RunAsync("account")).ExitCode);

        foreach (var output in new[] { login, account, logout })
        {
            Assert.DoesNotContain("r8_login_secret_123", output.Stdout + output.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Login_WithATokenTheApiRefuses_Exits3_AndSavesNothing()
    {
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunAsync(["auth", "login"], stdin: "r8_wrong_token_456\n");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("refused this token (401)", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("r8_wrong_token_456", result.Stdout + result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(cli.ConfigFile));
        Assert.False(Directory.Exists(Path.Combine(cli.Home.FullName, ".config", "replicate")) && Directory.GetFiles(Path.Combine(cli.Home.FullName, ".config", "replicate")).Length > 0);
    }

    [Fact]
    public async Task Login_WithEmptyStdin_Exits2()
    {
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunAsync(["auth", "login"], stdin: string.Empty);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(cli.Emulator.Requests);
    }

    [Fact]
    public async Task ARefusedToken_Exits3_AndTheTokenAppearsNowhere()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Environment["REPLICATE_API_TOKEN"] = "r8_not_the_right_one_789";

        var results = new[]
        {
            await cli.RunAsync("account"),
            await cli.RunAsync("run", "meta/meta-llama-3-8b-instruct", "prompt=hi"),
            await cli.RunAsync("predictions", "list", "--json"),
        };

        foreach (var result in results)
        {
            Assert.Equal(3, result.ExitCode);
            Assert.Contains("401", result.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("r8_not_the_right_one_789", result.Stdout + result.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TheTokenIsNeverPrinted_EvenOnFailuresAndInJson()
    {
        const string Token = "r8_very_secret_token_0123456789";
        await using var cli = await CliHarness.StartAsync(o => o.ApiToken = Token);

        var results = new[]
        {
            await cli.RunAsync("run", "replicate/failing-model", "--json"),
            await cli.RunAsync("run", "meta/meta-llama-3-8b-instruct", "prompt=hi", "max_tokens=2", "--json"),
            await cli.RunAsync("predictions", "get", "missing-id"),
            await cli.RunAsync("account", "--json"),
        };

        Assert.Equal([1, 0, 3, 0], results.Select(r => r.ExitCode));
        foreach (var result in results)
        {
            Assert.DoesNotContain(Token, result.Stdout + result.Stderr, StringComparison.Ordinal);
        }
    }
}
