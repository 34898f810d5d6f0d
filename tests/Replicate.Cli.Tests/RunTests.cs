using System.Text.Json;
using Replicate.Testing;

namespace Replicate.Cli.Tests;

/// <summary><c>replicate run</c> as a child process against an emulator the test hosts on loopback.</summary>
public class RunTests
{
    [Fact]
    public async Task TextModel_PrintsTheJoinedTokens_AndSendsCoercedInputs()
    {
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunAsync("run", "meta/meta-llama-3-8b-instruct", "prompt=hi", "max_tokens=3");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("You said: hi.\n", result.Stdout);
        var create = Assert.Single(cli.Emulator.Requests, r => r.Method == "POST" && r.Path.EndsWith("/predictions", StringComparison.Ordinal));
        using var body = JsonDocument.Parse(create.Body);
        Assert.Equal(JsonValueKind.Number, body.RootElement.GetProperty("input").GetProperty("max_tokens").ValueKind);
        Assert.Equal(3, body.RootElement.GetProperty("input").GetProperty("max_tokens").GetInt32());
        Assert.Contains("succeeded", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", result.Stdout + result.Stderr, StringComparison.Ordinal); // piped: plain, no ANSI
    }

    [Fact]
    public async Task NumbersBooleansAndArrays_AreCoercedWithTheSchema()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Emulator.AddModel("acme/echo", (input, _) => Task.FromResult<object?>(input.GetRawText()), o => o.OpenApiSchema = Schema("""
            {"tags": {"type": "array", "items": {"type": "string"}, "x-order": 0},
             "sizes": {"type": "array", "items": {"type": "integer"}, "x-order": 1},
             "ratio": {"type": "number", "x-order": 2},
             "flag": {"type": "boolean", "x-order": 3},
             "name": {"type": "string", "x-order": 4}}
            """));

        var result = await cli.RunAsync("run", "acme/echo", "tags=a,b", "sizes=1,2", "ratio=0.5", "flag=true", "name=007", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var prediction = JsonDocument.Parse(result.Stdout);
        var input = prediction.RootElement.GetProperty("input");
        Assert.Equal("""["a","b"]""", input.GetProperty("tags").GetRawText());
        Assert.Equal("[1,2]", input.GetProperty("sizes").GetRawText());
        Assert.Equal(0.5, input.GetProperty("ratio").GetDouble());
        Assert.True(input.GetProperty("flag").GetBoolean());
        Assert.Equal("007", input.GetProperty("name").GetString());
    }

    [Fact]
    public async Task ImageModel_SavesEveryOutputFileInTheOutputFolder_AndPrintsThePaths()
    {
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunAsync("run", "black-forest-labs/flux-schnell", "prompt=fox", "num_outputs=2", "--output-dir", "images");

        Assert.True(result.ExitCode == 0, result.ToString());
        var paths = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([Path.Combine("images", "out-0.png"), Path.Combine("images", "out-1.png")], paths);
        foreach (var path in paths)
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(cli.WorkDir.FullName, path));
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        }
    }

    [Fact]
    public async Task AnOutputWithFilesAndText_PrintsTheOutputWithEachFileUrlReplacedByItsPath()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Emulator.AddModel("acme/captioned", (_, context) => Task.FromResult<object?>(new
        {
            caption = "a fox",
            image = context.AddFile("fox.png", "image/png", () => new MemoryStream([1, 2, 3])),
        }));

        var result = await cli.RunAsync("run", "acme/captioned");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var printed = JsonDocument.Parse(result.Stdout);
        Assert.Equal("a fox", printed.RootElement.GetProperty("caption").GetString());
        Assert.Equal("fox.png", printed.RootElement.GetProperty("image").GetString());
        Assert.Equal([1, 2, 3], await File.ReadAllBytesAsync(Path.Combine(cli.WorkDir.FullName, "fox.png")));
    }

    [Fact]
    public async Task AnOutputFileNamedToClimbOutOfTheFolder_IsSavedInsideIt()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Emulator.AddModel("acme/sneaky", (_, context) => Task.FromResult<object?>(
            context.AddFile("..\\..\\escaped.txt", "text/plain", () => new MemoryStream("gotcha"u8.ToArray()))));

        var result = await cli.RunAsync("run", "acme/sneaky", "-o", "out");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Path.Combine("out", "escaped.txt") + "\n", result.Stdout);
        Assert.Equal("gotcha", await File.ReadAllTextAsync(Path.Combine(cli.WorkDir.FullName, "out", "escaped.txt")));
        Assert.Equal(["out"], cli.WorkDir.GetFileSystemInfos().Select(f => f.Name));
        Assert.Equal(["home", "work"], cli.Root.GetFileSystemInfos().Select(f => f.Name).Order());
    }

    [Fact]
    public async Task Json_PrintsTheFinalPredictionAsJson()
    {
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunAsync("run", "meta/meta-llama-3-8b-instruct", "prompt=hi", "max_tokens=2", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal("succeeded", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("""["You"," said:"]""", json.RootElement.GetProperty("output").GetRawText());
        Assert.Empty(cli.WorkDir.GetFileSystemInfos());
    }

    [Fact]
    public async Task FailingModel_Exits1_WithTheErrorAndLogsOnStderr()
    {
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunAsync("run", "replicate/failing-model");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(string.Empty, result.Stdout);
        Assert.Contains("failed: E1000: simulated model failure", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Running prediction", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("num_outputs=abc", "num_outputs=abc: expected an integer")]
    [InlineData("num_outputs=9", "num_outputs = 9 is above the maximum 4")]
    [InlineData("aspect_ratio=2:1", "aspect_ratio = \"2:1\" is not one of")]
    [InlineData("colour=red", "The model has no input 'colour'")]
    [InlineData("prompt", "'prompt' is not key=value")]
    public async Task BadInputs_Exit2_WithoutCreatingAPrediction(string pair, string message)
    {
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunAsync("run", "black-forest-labs/flux-schnell", "prompt=fox", pair);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
        Assert.Contains("hint: ", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, cli.Emulator.PredictionsCreated);
        Assert.DoesNotContain(cli.Emulator.Requests, r => r.Method == "POST");
    }

    [Fact]
    public async Task MissingRequiredInput_Exits2()
    {
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunAsync("run", "black-forest-labs/flux-schnell", "seed=1");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("prompt is required", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, cli.Emulator.PredictionsCreated);
    }

    [Fact]
    public async Task AtPath_UploadsTheLocalFile_AndTheModelReadsIt()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Emulator.AddModel("acme/reader", async (input, context) =>
        {
            using var reader = new StreamReader(context.OpenInputFile(input.GetProperty("document").GetString()!));
            return (await reader.ReadToEndAsync()).ToUpperInvariant();
        }, o => o.OpenApiSchema = Schema("""{"document": {"type": "string", "format": "uri", "x-order": 0}}"""));
        await File.WriteAllTextAsync(Path.Combine(cli.WorkDir.FullName, "note.txt"), "read me");

        var result = await cli.RunAsync("run", "acme/reader", "document=@note.txt");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("READ ME\n", result.Stdout);
        Assert.Single(cli.Emulator.Requests, r => r.Method == "POST" && r.Path == "/v1/files");
    }

    [Fact]
    public async Task AtPathThatDoesNotExist_Exits2()
    {
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunAsync("run", "black-forest-labs/flux-schnell", "prompt=@missing.txt");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("prompt=@missing.txt: no such file", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, cli.Emulator.PredictionsCreated);
    }

    [Fact]
    public async Task InputJsonFromPipedStdin_IsMergedWithKeyValues()
    {
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunAsync(["run", "meta/meta-llama-3-8b-instruct", "--input-json", "-", "max_tokens=4"], stdin: """{"prompt": "piped", "max_tokens": 99}""");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("You said: piped. I'm\n", result.Stdout);
    }

    [Fact]
    public async Task NoWait_PrintsTheIdOfAPredictionTheServerHas()
    {
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunAsync("run", "replicate/hello-world:" + HelloWorldVersion(cli), "text=there", "--no-wait");

        Assert.True(result.ExitCode == 0, result.ToString());
        var id = result.Stdout.Trim();
        using var client = Client(cli);
        var prediction = await client.Predictions.WaitAsync(await client.Predictions.GetAsync(id));
        Assert.Equal("hello there", prediction.Output?.GetString());
    }

    [Fact]
    public async Task ACommunityModelByName_RunsAtItsLatestVersion()
    {
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunAsync("run", "replicate/hello-world", "text=world");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("hello world\n", result.Stdout);
        var create = Assert.Single(cli.Emulator.Requests, r => r.Method == "POST");
        Assert.Equal("/v1/predictions", create.Path);
        Assert.Contains(HelloWorldVersion(cli), create.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CtrlC_CancelsThePredictionOnTheServer_AndExits130()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.AddSlowModel("acme/slow");

        await using var run = cli.Start(["run", "acme/slow"]);
        await run.WaitForStderrAsync("processing", TimeSpan.FromSeconds(30));
        run.Interrupt();
        var result = await run.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(130, result.ExitCode);
        Assert.Contains("Canceled prediction", result.Stderr, StringComparison.Ordinal);
        using var client = Client(cli);
        var page = await client.Predictions.ListAsync();
        var prediction = Assert.Single(page.Results);
        Assert.Equal(PredictionStatus.Canceled, prediction.Status);
    }

    internal static string HelloWorldVersion(CliHarness cli) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("replicate/hello-world"u8));

    internal static ReplicateClient Client(CliHarness cli) =>
        new(new ReplicateClientOptions { ApiToken = cli.Emulator.ApiToken, BaseAddress = cli.Emulator.BaseAddress, PollingInterval = TimeSpan.FromMilliseconds(20) });

    internal static System.Text.Json.Nodes.JsonObject Schema(string inputProperties) => new()
    {
        ["openapi"] = "3.0.2",
        ["info"] = new System.Text.Json.Nodes.JsonObject { ["title"] = "Cog", ["version"] = "0.1.0" },
        ["paths"] = new System.Text.Json.Nodes.JsonObject(),
        ["components"] = new System.Text.Json.Nodes.JsonObject
        {
            ["schemas"] = new System.Text.Json.Nodes.JsonObject
            {
                ["Input"] = new System.Text.Json.Nodes.JsonObject { ["type"] = "object", ["title"] = "Input", ["properties"] = System.Text.Json.Nodes.JsonNode.Parse(inputProperties) },
                ["Output"] = new System.Text.Json.Nodes.JsonObject { ["title"] = "Output" },
            },
        },
    };
}
