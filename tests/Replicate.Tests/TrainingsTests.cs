using System.Net;
using System.Text.Json;
using Replicate.Testing;
using Replicate.Tests.Infrastructure;

namespace Replicate.Tests;

public class TrainingsTests
{
    [Fact]
    public async Task Create_PostsToTheVersionsTrainingsEndpoint_AndWaitEndsWithANewRunnableVersion()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var baseModel = AddTrainable(h.Emulator, async (input, ctx) =>
        {
            ctx.Log("epoch 1/1");
            await ctx.DelayAsync(TimeSpan.FromMilliseconds(20));
            return "https://example.com/weights-" + input.GetProperty("steps").GetInt32() + ".tar";
        });
        var untrained = h.Emulator.AddModel("emulator/tuned", (_, _) => Task.FromResult<object?>("untrained"));
        var progress = new RecordingProgress<Training>();

        var training = await h.Client.Trainings.CreateAsync(
            $"acme/base:{baseModel.VersionId}",
            "emulator/tuned",
            new { steps = 10 },
            new TrainingOptions { Webhook = new Uri("https://example.com/hook"), WebhookEventsFilter = [WebhookEventType.Completed] });
        var done = await h.Client.Trainings.WaitAsync(training, progress);
        var output = await h.Client.RunAsync(done.Output!.Version!, new { text = "hi" });

        var create = Assert.Single(h.Requests("POST", "/v1/models/acme/base/versions/"));
        Assert.Equal($"/v1/models/acme/base/versions/{baseModel.VersionId}/trainings", create.Path);
        Assert.Equal("""{"destination":"emulator/tuned","input":{"steps":10},"webhook":"https://example.com/hook","webhook_events_filter":["completed"]}""", create.Body);
        Assert.Equal("acme/base", training.Model);
        Assert.Equal(baseModel.VersionId, training.Version);
        Assert.Equal(new Uri(h.Emulator.BaseAddress, "trainings/" + training.Id), training.Urls?.Get);
        Assert.Equal(PredictionStatus.Succeeded, done.Status);
        Assert.Equal("https://example.com/weights-10.tar", done.Output.Weights);
        Assert.StartsWith("emulator/tuned:", done.Output.Version, StringComparison.Ordinal);
        Assert.NotEqual(untrained.VersionId, ModelIdentifier.Parse(done.Output.Version!).Version);
        Assert.Contains("epoch 1/1", done.Logs, StringComparison.Ordinal);
        Assert.NotNull(done.Metrics?.TotalTime);
        Assert.Equal("api", done.Source);
        Assert.Equal("base says hi", output.AsString());
        Assert.All(h.Requests("GET", "/v1/trainings/"), r => Assert.Equal("/v1/trainings/" + training.Id, r.Path));
        Assert.Equal(PredictionStatus.Succeeded, progress.Items[^1].Status);
    }

    [Fact]
    public async Task GetListEnumerateAndCancel_OnTheWire()
    {
        await using var h = await EmulatorHarness.StartAsync(o => o.PageSize = 2);
        var baseModel = AddTrainable(h.Emulator, async (_, ctx) =>
        {
            await ctx.DelayAsync(TimeSpan.FromHours(1));
            return null;
        });
        h.Emulator.AddModel("emulator/tuned", (_, _) => Task.FromResult<object?>(null));
        var created = new List<Training>();
        for (var i = 0; i < 3; i++)
        {
            created.Add(await h.Client.Trainings.CreateAsync($"acme/base:{baseModel.VersionId}", "emulator/tuned", new { i }));
        }

        var got = await h.Client.Trainings.GetAsync(created[1].Id);
        var first = await h.Client.Trainings.ListAsync();
        var second = await h.Client.Trainings.ListAsync(first.Next);
        var all = await h.Client.Trainings.EnumerateAsync().ToListAsync();
        var canceled = await h.Client.Trainings.CancelAsync(created[0].Id);
        var missing = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Trainings.GetAsync("nope"));

        Assert.Equal(created[1].Id, got.Id);
        Assert.Equal(1, got.Input?.GetProperty("i").GetInt32());
        Assert.Equal([created[2].Id, created[1].Id], first.Results.Select(t => t.Id));
        Assert.Equal([created[0].Id], second.Results.Select(t => t.Id));
        Assert.Equal(created.Select(t => t.Id).Reverse(), all.Select(t => t.Id));
        Assert.Equal(PredictionStatus.Canceled, canceled.Status);
        Assert.Null(canceled.Output);
        Assert.Single(h.Requests("POST", $"/v1/trainings/{created[0].Id}/cancel"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        foreach (var training in created.Skip(1))
        {
            await h.Client.Trainings.CancelAsync(training.Id);
        }
    }

    [Fact]
    public async Task AFailingTrainer_EndsFailed_WithItsError()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var baseModel = AddTrainable(h.Emulator, (_, _) => throw new ModelFailedException("out of memory"));
        h.Emulator.AddModel("emulator/tuned", (_, _) => Task.FromResult<object?>(null));

        var training = await h.Client.Trainings.CreateAsync($"acme/base:{baseModel.VersionId}", "emulator/tuned", new { });
        var done = await h.Client.Trainings.WaitAsync(training);

        Assert.Equal(PredictionStatus.Failed, done.Status);
        Assert.Equal("out of memory", done.Error);
        Assert.Null(done.Output);
    }

    [Fact]
    public async Task FileInputs_OfATraining_AreUploaded()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string? received = null;
        var baseModel = AddTrainable(h.Emulator, (input, ctx) =>
        {
            using var data = ctx.OpenInputFile(input.GetProperty("train_data").GetString()!);
            received = new StreamReader(data).ReadToEnd();
            return Task.FromResult<object?>(null);
        });
        h.Emulator.AddModel("emulator/tuned", (_, _) => Task.FromResult<object?>(null));

        var training = await h.Client.Trainings.CreateAsync(
            $"acme/base:{baseModel.VersionId}", "emulator/tuned", new { train_data = "a,b\n1,2"u8.ToArray() }, new TrainingOptions { FileEncodingStrategy = FileEncodingStrategy.Upload });
        var done = await h.Client.Trainings.WaitAsync(training);

        Assert.Equal(PredictionStatus.Succeeded, done.Status);
        Assert.Equal("a,b\n1,2", received);
        Assert.Single(h.Requests("POST", "/v1/files"));
        Assert.StartsWith(h.Emulator.BaseAddress + "files/", done.Input?.GetProperty("train_data").GetString(), StringComparison.Ordinal);
        Assert.StartsWith(h.Emulator.BaseAddress.GetLeftPart(UriPartial.Authority) + "/files-output/", done.Output?.Weights, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerRefusals_AreApiErrors()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var baseModel = AddTrainable(h.Emulator, (_, _) => Task.FromResult<object?>(null));
        var plain = h.Emulator.AddModel("acme/plain", (_, _) => Task.FromResult<object?>(null));
        h.Emulator.AddModel("someone/theirs", (_, _) => Task.FromResult<object?>(null));

        var noDestination = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Trainings.CreateAsync($"acme/base:{baseModel.VersionId}", "emulator/missing", new { }));
        var notOwned = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Trainings.CreateAsync($"acme/base:{baseModel.VersionId}", "someone/theirs", new { }));
        var notTrainable = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Trainings.CreateAsync($"acme/plain:{plain.VersionId}", "someone/theirs", new { }));

        Assert.Equal((HttpStatusCode.NotFound, "The specified training destination does not exist"), (noDestination.StatusCode, noDestination.Detail));
        Assert.Equal(HttpStatusCode.Forbidden, notOwned.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, notTrainable.StatusCode);
    }

    [Theory]
    [InlineData("acme/base", "emulator/tuned", "version")]
    [InlineData("5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa", "emulator/tuned", "version")]
    [InlineData("acme/base:5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa", "tuned", "destination")]
    [InlineData("acme/base:5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa", "emulator/tuned:abc", "destination")]
    [InlineData("acme/base:5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa", "a/b/c", "destination")]
    public async Task InvalidVersionOrDestination_FailsBeforeAnythingIsSent(string version, string destination, string parameter)
    {
        await using var h = await EmulatorHarness.StartAsync();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => h.Client.Trainings.CreateAsync(version, destination, new { }));

        Assert.Equal(parameter, ex.ParamName);
        Assert.Empty(h.Emulator.Requests);
    }

    [Fact]
    public async Task TrainingJson_ReadsEveryFieldOfTheSpecExample()
    {
        const string json = """
            {"completed_at":"2023-09-08T16:41:19.826523Z","created_at":"2023-09-08T16:32:56.990893084Z","error":null,
             "id":"zz4ibbonubfz7carwiefibzgga","input":{"input_images":"https://example.com/my-input-images.zip"},
             "logs":"...","metrics":{"predict_time":502.713876,"total_time":503.1},
             "output":{"version":"acme/tuned:da77bc59ee60423279fd632efb4795ab731d9e3ca9705ef3341091fb989b7eaf","weights":"https://replicate.delivery/w.tar"},
             "started_at":"2023-09-08T16:32:57.112647Z","source":"api","status":"succeeded",
             "urls":{"web":"https://replicate.com/p/zz4ibbonubfz7carwiefibzgga","get":"https://api.replicate.com/v1/trainings/zz4ibbonubfz7carwiefibzgga","cancel":"https://api.replicate.com/v1/trainings/zz4ibbonubfz7carwiefibzgga/cancel"},
             "model":"stability-ai/sdxl","version":"da77bc59ee60423279fd632efb4795ab731d9e3ca9705ef3341091fb989b7eaf","webhook_completed":null}
            """;

        var training = ReplicateWebhook.ReadTraining(Secret, SignedHeaders(json), System.Text.Encoding.UTF8.GetBytes(json), Timeout.InfiniteTimeSpan);

        Assert.Equal("zz4ibbonubfz7carwiefibzgga", training.Id);
        Assert.Equal("stability-ai/sdxl", training.Model);
        Assert.Equal("da77bc59ee60423279fd632efb4795ab731d9e3ca9705ef3341091fb989b7eaf", training.Version);
        Assert.Equal(PredictionStatus.Succeeded, training.Status);
        Assert.Equal("https://example.com/my-input-images.zip", training.Input?.GetProperty("input_images").GetString());
        Assert.Equal("acme/tuned", ModelIdentifier.Parse(training.Output!.Version!) is var id ? id.Owner + "/" + id.Name : null);
        Assert.Equal("https://replicate.delivery/w.tar", training.Output.Weights);
        Assert.Equal("...", training.Logs);
        Assert.Null(training.Error);
        Assert.Equal(990_893_084 / 100, training.CreatedAt!.Value.Ticks % TimeSpan.TicksPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(502.713876), training.Metrics?.PredictTime);
        Assert.Equal("api", training.Source);
        Assert.Equal("https://replicate.com/p/zz4ibbonubfz7carwiefibzgga", training.Urls?.Web?.ToString());
        Assert.EndsWith("/cancel", training.Urls?.Cancel?.ToString(), StringComparison.Ordinal);
        Assert.NotNull(training.StartedAt);
        Assert.NotNull(training.CompletedAt);
    }

    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private static KeyValuePair<string, string>[] SignedHeaders(string json) =>
    [
        new("webhook-id", "msg_1"),
        new("webhook-timestamp", "1700000000"),
        new("webhook-signature", WebhookSignature.Sign(Secret, "msg_1", DateTimeOffset.FromUnixTimeSeconds(1700000000), System.Text.Encoding.UTF8.GetBytes(json))),
    ];

    private static EmulatorModel AddTrainable(ReplicateEmulator emulator, EmulatorModelHandler trainer) =>
        emulator.AddModel(
            "acme/base",
            (input, _) => Task.FromResult<object?>("base says " + (input.TryGetProperty("text", out var text) ? text.GetString() : "?")),
            o =>
            {
                o.IsOfficial = false;
                o.Trainer = trainer;
            });
}
