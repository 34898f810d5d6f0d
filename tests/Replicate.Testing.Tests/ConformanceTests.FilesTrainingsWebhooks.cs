using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Replicate.Testing.Tests;

/// <summary>Responses of the Files API, trainings, the webhook secret and webhook delivery bodies, against the spec.</summary>
public sealed partial class ConformanceTests
{
    private const string ProblemJson = "application/problem+json";

    [Fact]
    public async Task File_upload_get_list_delete_and_download_conform()
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { PageSize = 1, MaxFileSize = 1000 });
        using var client = TestHttp.Client(emulator);

        // The spec's own curl example: content with its type and filename, and a JSON metadata part.
        using var form = new MultipartFormDataContent();
        var content = new ByteArrayContent("PK\u0003\u0004zip"u8.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        form.Add(content, "content", "example.zip");
        form.Add(new StringContent("""{"customer_reference_id": 123}""", Encoding.UTF8, "application/json"), "metadata");
        using var created = await client.PostAsync(new Uri("files", UriKind.Relative), form);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var file = await TestHttp.JsonAsync(created);
        AssertConforms(Spec.ResponseSchema("/files", "post", 201), file);
        Assert.Equal(("example.zip", "application/zip", 7), (file.Str("name"), file.Str("content_type"), file.GetProperty("size").GetInt32()));
        Assert.Equal(123, file.GetProperty("metadata").GetProperty("customer_reference_id").GetInt32());

        using var second = new MultipartFormDataContent { { new ByteArrayContent([1]), "content", "one.bin" } };
        (await client.PostAsync(new Uri("files", UriKind.Relative), second)).Dispose();
        AssertConforms(Spec.ResponseSchema("/files/{file_id}", "get", 200), await TestHttp.GetJsonAsync(client, "files/" + file.Id()));
        var page = await TestHttp.GetJsonAsync(client, "files");
        AssertConforms(Spec.ResponseSchema("/files", "get", 200), page);
        AssertConforms(Spec.ResponseSchema("/files", "get", 200), await TestHttp.GetJsonAsync(client, page.Str("next")));

        using var anonymous = new HttpClient { Timeout = TestHttp.DefaultTimeout };
        using var download = await anonymous.GetAsync(emulator.CreateFileDownloadUrl(file.Id()));
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/octet-stream", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("PK\u0003\u0004zip"u8.ToArray(), await download.Content.ReadAsByteArrayAsync());
        using var badSignature = await anonymous.GetAsync(new Uri(emulator.CreateFileDownloadUrl(file.Id()) + "x"));
        await AssertProblemAsync(badSignature, HttpStatusCode.NotFound, Spec.ResponseSchema("/files/{file_id}/download", "get", 404, ProblemJson));

        using var tooLarge = new MultipartFormDataContent { { new ByteArrayContent(new byte[2000]), "content", "big.bin" } };
        await AssertProblemAsync(await client.PostAsync(new Uri("files", UriKind.Relative), tooLarge), HttpStatusCode.RequestEntityTooLarge, Spec.ResponseSchema("/files", "post", 413, ProblemJson));

        using var deleted = await client.DeleteAsync(new Uri("files/" + file.Id(), UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(0, deleted.Content.Headers.ContentLength ?? 0);
        await AssertProblemAsync(await client.GetAsync(new Uri("files/" + file.Id(), UriKind.Relative)), HttpStatusCode.NotFound, Spec.ResponseSchema("/files/{file_id}", "get", 404, ProblemJson));
        await AssertProblemAsync(await client.DeleteAsync(new Uri("files/" + file.Id(), UriKind.Relative)), HttpStatusCode.NotFound, Spec.ResponseSchema("/files/{file_id}", "delete", 404, ProblemJson));
    }

    [Fact]
    public async Task Training_create_get_list_and_cancel_conform()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        var trainable = emulator.AddModel("acme/base", (_, _) => Task.FromResult<object?>(null), o => o.Trainer = async (_, ctx) =>
        {
            ctx.Log("step 1");
            await ctx.DelayAsync(TimeSpan.FromMilliseconds(50));
            return "https://example.com/weights.tar";
        });
        emulator.AddModel("emulator/tuned", (_, _) => Task.FromResult<object?>(null));
        var path = $"models/acme/base/versions/{trainable.VersionId}/trainings";
        const string specPath = "/models/{model_owner}/{model_name}/versions/{version_id}/trainings";

        var (created, training) = await TestHttp.PostAsync(client, path, """{"destination":"emulator/tuned","input":{"steps":1},"webhook":"https://example.com/h","webhook_events_filter":["start","completed"]}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        AssertConforms(Spec.ResponseSchema(specPath, "post", 201), training);

        var done = await WaitForTrainingAsync(client, training.Id());
        AssertConforms(Spec.ResponseSchema("/trainings/{training_id}", "get", 200), done);
        Assert.StartsWith("emulator/tuned:", done.GetProperty("output").Str("version"), StringComparison.Ordinal);
        AssertConforms(Spec.ResponseSchema("/trainings", "get", 200), await TestHttp.GetJsonAsync(client, "trainings"));

        var (_, second) = await TestHttp.PostAsync(client, path, """{"destination":"emulator/tuned","input":{}}""");
        using var cancel = await client.PostAsync(new Uri("trainings/" + second.Id() + "/cancel", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        AssertConforms(Spec.ResponseSchema("/trainings/{training_id}/cancel", "post", 200), await TestHttp.JsonAsync(cancel));

        var (invalid, problem) = await TestHttp.PostAsync(client, path, """{"input":{},"webhook_events_filter":["sometimes"]}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.StatusCode);
        Assert.Contains("webhook_events_filter.0", problem.Str("detail"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhook_secret_and_delivered_bodies_conform()
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { DemoTokenDelay = TimeSpan.Zero });
        using var client = TestHttp.Client(emulator);

        var secret = await TestHttp.GetJsonAsync(client, "webhooks/default/secret");
        AssertConforms(Spec.ResponseSchema("/webhooks/default/secret", "get", 200), secret);
        Assert.Equal(emulator.WebhookSecret, secret.Str("key"));

        await TestHttp.PostAsync(client, "models/replicate/hello-world/predictions", """{"input":{"text":"x"},"webhook":"http://127.0.0.1:9/hook"}""");
        await TestHttp.EventuallyAsync(() => emulator.WebhookDeliveries.Any(d => d.EventType == "completed"), "a completed delivery");
        foreach (var delivery in emulator.WebhookDeliveries)
        {
            using var body = JsonDocument.Parse(delivery.Body);
            AssertConforms(Spec.ComponentSchema("schemas_prediction_response"), body.RootElement);
        }
    }

    private static async Task<JsonElement> WaitForTrainingAsync(HttpClient client, string id)
    {
        var limit = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var training = await TestHttp.GetJsonAsync(client, "trainings/" + id);
            if (training.Status() is "succeeded" or "failed" or "canceled" || limit.Elapsed > TestHttp.DefaultTimeout)
            {
                return training;
            }

            await Task.Delay(10);
        }
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, JsonElement schema)
    {
        using (response)
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Equal(ProblemJson, response.Content.Headers.ContentType?.MediaType);
            AssertConforms(schema, await TestHttp.JsonAsync(response));
        }
    }
}
