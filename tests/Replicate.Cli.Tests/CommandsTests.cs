using System.Text.Json;
using Replicate.Testing;

namespace Replicate.Cli.Tests;

/// <summary>The resource commands: each maps onto one SDK call, with plain output when piped and JSON with <c>--json</c>.</summary>
public class CommandsTests
{
    [Fact]
    public async Task Predictions_ListGetCancelWait()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.AddSlowModel("acme/slow");
        using var client = RunTests.Client(cli);
        var done = await client.Predictions.WaitAsync(await client.Predictions.CreateAsync("meta/meta-llama-3-8b-instruct", new { prompt = "hi", max_tokens = 2 }));
        var slow = await client.Predictions.CreateAsync("acme/slow", new { });

        var list = await cli.RunAsync("predictions", "list");
        var get = await cli.RunAsync("predictions", "get", done.Id, "--json");
        var wait = await cli.RunAsync("predictions", "wait", done.Id);
        var cancel = await cli.RunAsync("predictions", "cancel", slow.Id);
        var waitCanceled = await cli.RunAsync("predictions", "wait", slow.Id, "--json");

        Assert.True(list.ExitCode == 0, list.ToString());
        var rows = list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).ToList();
        Assert.Equal([slow.Id, done.Id], rows.Select(r => r[0]));
        Assert.Equal(["processing", "succeeded"], rows.Select(r => r[2]));
        Assert.Equal(0, get.ExitCode);
        Assert.Equal(done.Id, JsonDocument.Parse(get.Stdout).RootElement.GetProperty("id").GetString());
        Assert.Equal(0, wait.ExitCode);
        Assert.Contains("status\tsucceeded", wait.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, cancel.ExitCode);
        Assert.Equal(1, waitCanceled.ExitCode); // a canceled prediction is not a success
        Assert.Equal("canceled", JsonDocument.Parse(waitCanceled.Stdout).RootElement.GetProperty("status").GetString());
        Assert.Single(cli.Emulator.Requests, r => r.Method == "POST" && r.Path == $"/v1/predictions/{slow.Id}/cancel");
    }

    [Fact]
    public async Task Predictions_GetAndWait_SaveFileOutputsAsRunDoes()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Emulator.AddModel("acme/pictures", (_, context) => Task.FromResult<object?>(new[]
        {
            context.AddFile("a.png", "image/png", () => new MemoryStream([1, 2, 3])),
            context.AddFile("b.png", "image/png", () => new MemoryStream([4, 5])),
        }));
        using var client = RunTests.Client(cli);
        var done = await client.Predictions.WaitAsync(await client.Predictions.CreateAsync("acme/pictures", new { }));
        var getsBefore = cli.Emulator.Requests.Count(r => r.Method == "GET" && r.Path == $"/v1/predictions/{done.Id}");

        var json = await cli.RunAsync("predictions", "get", done.Id, "--json");
        var filesAfterJson = cli.WorkDir.GetFileSystemInfos().Length;
        var get = await cli.RunAsync("predictions", "get", done.Id, "-o", "images");
        var wait = await cli.RunAsync("predictions", "wait", done.Id);
        var waitJson = await cli.RunAsync("predictions", "wait", done.Id, "--json", "--output-dir", "saved");

        Assert.True(json.ExitCode == 0, json.ToString());
        Assert.Equal(done.Id, JsonDocument.Parse(json.Stdout).RootElement.GetProperty("id").GetString());
        Assert.Equal(0, filesAfterJson); // --json without --output-dir saves nothing, as run does
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Equal(Path.Combine("images", "a.png") + "\n" + Path.Combine("images", "b.png") + "\n", get.Stdout);
        Assert.Equal([1, 2, 3], await File.ReadAllBytesAsync(Path.Combine(cli.WorkDir.FullName, "images", "a.png")));
        Assert.Equal([4, 5], await File.ReadAllBytesAsync(Path.Combine(cli.WorkDir.FullName, "images", "b.png")));
        Assert.True(wait.ExitCode == 0, wait.ToString());
        Assert.Equal("a.png\nb.png\n", wait.Stdout);
        Assert.Equal([4, 5], await File.ReadAllBytesAsync(Path.Combine(cli.WorkDir.FullName, "b.png")));
        Assert.True(waitJson.ExitCode == 0, waitJson.ToString());
        Assert.Equal("succeeded", JsonDocument.Parse(waitJson.Stdout).RootElement.GetProperty("status").GetString());
        Assert.Equal(["a.png", "b.png"], new DirectoryInfo(Path.Combine(cli.WorkDir.FullName, "saved")).GetFiles().Select(f => f.Name).Order());
        Assert.Equal(getsBefore + 4, cli.Emulator.Requests.Count(r => r.Method == "GET" && r.Path == $"/v1/predictions/{done.Id}"));
    }

    [Fact]
    public async Task PredictionsWait_OnAFailedPredictionThatMadeFiles_ExitsOneAndSavesNothing()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Emulator.AddModel("acme/broken", (_, context) =>
        {
            context.AddFile("partial.png", "image/png", () => new MemoryStream([1]));
            return Task.FromException<object?>(new ModelFailedException("E1001: out of memory"));
        });
        using var client = RunTests.Client(cli);
        var failed = await client.Predictions.WaitAsync(await client.Predictions.CreateAsync("acme/broken", new { }));

        var wait = await cli.RunAsync("predictions", "wait", failed.Id, "-o", "out");
        var get = await cli.RunAsync("predictions", "get", failed.Id);
        var missing = await cli.RunAsync("predictions", "get", "no-such-prediction", "-o", "out");

        Assert.Equal(1, wait.ExitCode);
        Assert.Contains("status\tfailed", wait.Stdout, StringComparison.Ordinal);
        Assert.Contains("error\tE1001: out of memory", wait.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, get.ExitCode); // get only shows the prediction
        Assert.Contains("status\tfailed", get.Stdout, StringComparison.Ordinal);
        Assert.Equal(3, missing.ExitCode);
        Assert.Contains("404", missing.Stderr, StringComparison.Ordinal);
        Assert.Empty(cli.WorkDir.GetFileSystemInfos());
    }

    [Fact]
    public async Task Models_GetListSearchSchemaVersions()
    {
        await using var cli = await CliHarness.StartAsync();

        var get = await cli.RunAsync("models", "get", "black-forest-labs/flux-schnell", "--json");
        var list = await cli.RunAsync("models", "list", "-n", "2");
        var search = await cli.RunAsync("models", "search", "llama");
        var schema = await cli.RunAsync("models", "schema", "black-forest-labs/flux-schnell");
        var schemaJson = await cli.RunAsync("models", "schema", "black-forest-labs/flux-schnell", "--json");
        var versions = await cli.RunAsync("models", "versions", "replicate/hello-world");

        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Equal("flux-schnell", JsonDocument.Parse(get.Stdout).RootElement.GetProperty("name").GetString());
        Assert.Equal(2, list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.StartsWith("meta/meta-llama-3-8b-instruct\t", search.Stdout, StringComparison.Ordinal);
        Assert.Contains("num_outputs\tinteger\t\t1\t1 to 4", schema.Stdout, StringComparison.Ordinal);
        Assert.Contains("aspect_ratio\tstring\t\t\"1:1\"\t1:1, 16:9, 9:16", schema.Stdout, StringComparison.Ordinal);
        Assert.Contains("prompt\tstring\tyes", schema.Stdout, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(schemaJson.Stdout).RootElement.GetProperty("input").GetProperty("properties").ValueKind);
        Assert.Equal(RunTests.HelloWorldVersion(cli), versions.Stdout.Split('\t')[0]);
    }

    [Fact]
    public async Task Models_CreateUpdateDelete()
    {
        await using var cli = await CliHarness.StartAsync();

        var create = await cli.RunAsync("models", "create", "emulator/captioner", "--visibility", "private", "--hardware", "gpu-t4", "--description", "Captions photos", "--github-url", "https://github.com/acme/captioner");
        var update = await cli.RunAsync("models", "update", "emulator/captioner", "--description", "Captions photos, in English", "--json");
        var get = await cli.RunAsync("models", "get", "emulator/captioner");
        var delete = await cli.RunAsync("models", "delete", "emulator/captioner");
        var gone = await cli.RunAsync("models", "get", "emulator/captioner");

        Assert.True(create.ExitCode == 0, create.ToString());
        Assert.Contains("model\temulator/captioner\n", create.Stdout, StringComparison.Ordinal);
        Assert.Contains("visibility\tprivate\n", create.Stdout, StringComparison.Ordinal);
        var created = Assert.Single(cli.Emulator.Requests, r => r.Method == "POST" && r.Path == "/v1/models");
        using (var body = JsonDocument.Parse(created.Body))
        {
            Assert.Equal("emulator", body.RootElement.GetProperty("owner").GetString());
            Assert.Equal("captioner", body.RootElement.GetProperty("name").GetString());
            Assert.Equal("private", body.RootElement.GetProperty("visibility").GetString());
            Assert.Equal("gpu-t4", body.RootElement.GetProperty("hardware").GetString());
            Assert.Equal("https://github.com/acme/captioner", body.RootElement.GetProperty("github_url").GetString());
        }

        Assert.True(update.ExitCode == 0, update.ToString());
        Assert.Equal("Captions photos, in English", JsonDocument.Parse(update.Stdout).RootElement.GetProperty("description").GetString());
        var patch = Assert.Single(cli.Emulator.Requests, r => r.Method == "PATCH" && r.Path == "/v1/models/emulator/captioner");
        Assert.Equal("""{"description":"Captions photos, in English"}""", patch.Body);
        Assert.Contains("description\tCaptions photos, in English\n", get.Stdout, StringComparison.Ordinal);
        Assert.True(delete.ExitCode == 0, delete.ToString());
        Assert.Equal("Deleted emulator/captioner\n", delete.Stdout);
        Assert.Single(cli.Emulator.Requests, r => r.Method == "DELETE" && r.Path == "/v1/models/emulator/captioner");
        Assert.Equal(3, gone.ExitCode);
    }

    [Fact]
    public async Task Models_CreateUpdateDelete_Refusals()
    {
        await using var cli = await CliHarness.StartAsync();
        var publicModel = await cli.RunAsync("models", "create", "emulator/shown", "--visibility", "public", "--hardware", "cpu");
        Assert.True(publicModel.ExitCode == 0, publicModel.ToString());

        var badVisibility = await cli.RunAsync("models", "create", "emulator/x", "--visibility", "secret", "--hardware", "cpu");
        var withVersion = await cli.RunAsync("models", "delete", "emulator/shown:" + new string('a', 64));
        var nothing = await cli.RunAsync("models", "update", "emulator/shown");
        var badUrl = await cli.RunAsync("models", "update", "emulator/shown", "--github-url", "github.com/acme/x");
        var deletePublic = await cli.RunAsync("models", "delete", "emulator/shown");
        var deleteMissing = await cli.RunAsync("models", "delete", "emulator/missing");

        Assert.Equal(2, badVisibility.ExitCode);
        Assert.Equal(2, withVersion.ExitCode);
        Assert.Contains("owner/name", withVersion.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, nothing.ExitCode);
        Assert.Contains("error: Nothing to update.", nothing.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, badUrl.ExitCode);
        Assert.Contains("'github.com/acme/x' is not a URL", badUrl.Stderr, StringComparison.Ordinal);
        Assert.Equal(3, deletePublic.ExitCode);
        Assert.Contains("is public", deletePublic.Stderr, StringComparison.Ordinal);
        Assert.Equal(3, deleteMissing.ExitCode);
        Assert.Contains("404", deleteMissing.Stderr, StringComparison.Ordinal);
        Assert.Single(cli.Emulator.Requests, r => r.Method == "POST" && r.Path == "/v1/models"); // refused before sending
        Assert.DoesNotContain(cli.Emulator.Requests, r => r.Method == "PATCH");
        Assert.Equal(2, cli.Emulator.Requests.Count(r => r.Method == "DELETE"));
    }

    [Fact]
    public async Task SchemaPull_WritesTheSchemaFileTypedModelsRead()
    {
        await using var cli = await CliHarness.StartAsync();

        var pulled = await cli.RunAsync("schema", "pull", "black-forest-labs/flux-schnell");
        var pinned = await cli.RunAsync("schema", "pull", "replicate/hello-world:" + RunTests.HelloWorldVersion(cli), "-o", "Models/Hello.json");

        Assert.True(pulled.ExitCode == 0, pulled.ToString());
        Assert.Equal(Path.Combine("models", "flux-schnell.json") + "\n", pulled.Stdout);
        Assert.True(pinned.ExitCode == 0, pinned.ToString());
        var file = Path.Combine(cli.WorkDir.FullName, "Models", "Hello.json");
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(file));
        Assert.Equal(RunTests.HelloWorldVersion(cli), document.RootElement.GetProperty("latest_version").GetProperty("id").GetString());

        // The format the typed-models generator reads is the one the emulator serves a model from: it takes the file back.
        await using var other = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { IncludeDemoModels = false });
        var fluxFile = Path.Combine(cli.WorkDir.FullName, "models", "flux-schnell.json");
        var model = other.AddModelFromSchemaFile(fluxFile, (_, _) => Task.FromResult<object?>(null));
        using var flux = JsonDocument.Parse(await File.ReadAllTextAsync(fluxFile));
        Assert.Equal(flux.RootElement.GetProperty("latest_version").GetProperty("id").GetString(), model.VersionId);
    }

    [Fact]
    public async Task Trainings_CreateListGetCancel()
    {
        await using var cli = await CliHarness.StartAsync();
        var baseModel = cli.Emulator.AddModel("acme/base", (_, _) => Task.FromResult<object?>("base"), o => o.Trainer = async (_, context) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), context.CancellationToken);
            return null;
        });
        cli.Emulator.AddModel("emulator/tuned", (_, _) => Task.FromResult<object?>("tuned"));

        var create = await cli.RunAsync("trainings", "create", "acme/base:" + baseModel.VersionId, "--destination", "emulator/tuned", "steps=10");
        Assert.True(create.ExitCode == 0, create.ToString());
        var id = create.Stdout.Trim();
        var list = await cli.RunAsync("trainings", "list");
        var get = await cli.RunAsync("trainings", "get", id, "--json");
        var cancel = await cli.RunAsync("trainings", "cancel", id);
        var missingDestination = await cli.RunAsync("trainings", "create", "acme/base:" + baseModel.VersionId);

        Assert.StartsWith(id + "\t", list.Stdout, StringComparison.Ordinal);
        Assert.Equal(id, JsonDocument.Parse(get.Stdout).RootElement.GetProperty("id").GetString());
        Assert.True(cancel.ExitCode == 0, cancel.ToString());
        Assert.Single(cli.Emulator.Requests, r => r.Method == "POST" && r.Path == $"/v1/trainings/{id}/cancel");
        Assert.Equal(2, missingDestination.ExitCode);
        var created = Assert.Single(cli.Emulator.Requests, r => r.Method == "POST" && r.Path.EndsWith("/trainings", StringComparison.Ordinal));
        Assert.Contains("\"destination\":\"emulator/tuned\"", created.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deployments_CreateListGetUpdate()
    {
        await using var cli = await CliHarness.StartAsync();
        var version = RunTests.HelloWorldVersion(cli);

        var create = await cli.RunAsync("deployments", "create", "my-app", "--model", "replicate/hello-world", "--version", version, "--hardware", "gpu-t4", "--max-instances", "2");
        var list = await cli.RunAsync("deployments", "list");
        var update = await cli.RunAsync("deployments", "update", "emulator/my-app", "--max-instances", "5", "--json");
        var get = await cli.RunAsync("deployments", "get", "emulator/my-app");
        var nothing = await cli.RunAsync("deployments", "update", "emulator/my-app");
        var run = await cli.RunAsync("run", "deployment:emulator/my-app", "text=deployed");

        Assert.True(create.ExitCode == 0, create.ToString());
        Assert.Contains("deployment\temulator/my-app", create.Stdout, StringComparison.Ordinal);
        Assert.StartsWith("emulator/my-app\t1\treplicate/hello-world:" + version + "\tgpu-t4\t0-2", list.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, JsonDocument.Parse(update.Stdout).RootElement.GetProperty("current_release").GetProperty("number").GetInt32());
        Assert.Contains("instances\t0-5", get.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, nothing.ExitCode);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("hello deployed\n", run.Stdout);
    }

    [Fact]
    public async Task Deployments_Delete()
    {
        await using var cli = await CliHarness.StartAsync();
        var version = RunTests.HelloWorldVersion(cli);
        var create = await cli.RunAsync("deployments", "create", "my-app", "--model", "replicate/hello-world", "--version", version, "--hardware", "gpu-t4");
        Assert.True(create.ExitCode == 0, create.ToString());

        var delete = await cli.RunAsync("deployments", "delete", "emulator/my-app");
        var list = await cli.RunAsync("deployments", "list");
        var again = await cli.RunAsync("deployments", "delete", "emulator/my-app", "--json");

        Assert.True(delete.ExitCode == 0, delete.ToString());
        Assert.Equal("Deleted emulator/my-app\n", delete.Stdout);
        Assert.Equal(string.Empty, list.Stdout);
        Assert.Equal(2, cli.Emulator.Requests.Count(r => r.Method == "DELETE" && r.Path == "/v1/deployments/emulator/my-app"));
        Assert.Equal(3, again.ExitCode); // not found is an API error
        Assert.Equal(string.Empty, again.Stdout);
        Assert.StartsWith("error: ", again.Stderr, StringComparison.Ordinal);
        Assert.Contains("404", again.Stderr, StringComparison.Ordinal);
        Assert.Contains("hint: Check the name or id", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Files_UploadListGetDownloadDelete()
    {
        await using var cli = await CliHarness.StartAsync();
        await File.WriteAllTextAsync(Path.Combine(cli.WorkDir.FullName, "data.txt"), "file body");

        var upload = await cli.RunAsync("files", "upload", "data.txt", "--json");
        Assert.True(upload.ExitCode == 0, upload.ToString());
        var id = JsonDocument.Parse(upload.Stdout).RootElement.GetProperty("id").GetString()!;
        var list = await cli.RunAsync("files", "list");
        var get = await cli.RunAsync("files", "get", id);
        var download = await cli.RunAsync("files", "download", cli.Emulator.CreateFileDownloadUrl(id).ToString(), "-o", "copy.txt");
        var badUrl = await cli.RunAsync("files", "download", "https://example.com/not-a-download");
        var delete = await cli.RunAsync("files", "delete", id);
        var gone = await cli.RunAsync("files", "get", id);

        Assert.StartsWith(id + "\tdata.txt\t", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("size\t9", get.Stdout, StringComparison.Ordinal);
        Assert.True(download.ExitCode == 0, download.ToString());
        Assert.Equal("file body", await File.ReadAllTextAsync(Path.Combine(cli.WorkDir.FullName, "copy.txt")));
        Assert.Equal(2, badUrl.ExitCode);
        Assert.Equal(0, delete.ExitCode);
        Assert.Equal(3, gone.ExitCode);
        Assert.Contains("404", gone.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HardwareAndAccount()
    {
        await using var cli = await CliHarness.StartAsync();

        var hardware = await cli.RunAsync("hardware");
        var hardwareJson = await cli.RunAsync("hardware", "--json");
        var account = await cli.RunAsync("account");

        Assert.Contains("gpu-t4\tNvidia T4 GPU\n", hardware.Stdout, StringComparison.Ordinal);
        Assert.Contains(JsonDocument.Parse(hardwareJson.Stdout).RootElement.EnumerateArray(), h => h.GetProperty("sku").GetString() == "cpu");
        Assert.Contains("username\temulator\n", account.Stdout, StringComparison.Ordinal);
    }
}
