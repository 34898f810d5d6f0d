using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Replicate.Testing;
using Webhooks;

namespace Replicate.Samples.Tests;

/// <summary>The Webhooks sample on a free loopback port, receiving the emulator's signed deliveries.</summary>
public class WebhooksSampleTests
{
    [Fact]
    public async Task SignedDeliveries_FromTheEmulator_RecordTheCompletedPredictionOnce()
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { DemoTokenDelay = TimeSpan.Zero });
        await using var app = await SampleApp.StartAsync(emulator, WebhooksApp.Build);
        using var http = new HttpClient { BaseAddress = app.Address, Timeout = TimeSpan.FromSeconds(30) };
        using var replicate = new ReplicateClient(new ReplicateClientOptions { ApiToken = emulator.ApiToken, BaseAddress = emulator.BaseAddress });

        var direct = await replicate.Predictions.CreateAsync("replicate/hello-world", new { text = "Alice" }, new PredictionOptions
        {
            Webhook = new Uri(app.Address, "webhooks/replicate"),
            WebhookEventsFilter = [WebhookEventType.Start, WebhookEventType.Output, WebhookEventType.Logs, WebhookEventType.Completed],
        });
        using var started = await http.PostAsJsonAsync("predictions", new { model = "replicate/hello-world", input = new { text = "Bob" } });
        var viaApp = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var completed = await WaitForCompletedAsync(http, 2);

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.Equal(new[] { direct.Id, viaApp }.Order(), completed.Select(p => p.GetProperty("id").GetString()).Order());
        Assert.All(completed, p => Assert.Equal("succeeded", p.GetProperty("status").GetString()));
        await WaitUntilAsync(() => emulator.WebhookDeliveries.Count(d => d.EventType == "completed" && d.Succeeded) == 2);
        Assert.All(emulator.WebhookDeliveries, d => Assert.Equal(200, d.StatusCode));
        Assert.Single(emulator.Requests, r => r.Path == "/v1/webhooks/default/secret");
    }

    [Fact]
    public async Task ForgedTamperedReplayedOrUnsignedDeliveries_Get401_AndChangeNothing()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        await using var app = await SampleApp.StartAsync(emulator, WebhooksApp.Build);
        using var http = new HttpClient { BaseAddress = app.Address, Timeout = TimeSpan.FromSeconds(30) };
        var body = PredictionJson("p1", "succeeded");
        var now = DateTimeOffset.UtcNow;

        var forged = await DeliverAsync(http, "whsec_" + Convert.ToBase64String(new byte[24]), "msg_1", now, body);
        var tampered = await DeliverAsync(http, emulator.WebhookSecret, "msg_2", now, body, sent: body.Replace("succeeded", "failed", StringComparison.Ordinal));
        var replayed = await DeliverAsync(http, emulator.WebhookSecret, "msg_3", now.AddMinutes(-10), body);
        using var unsigned = await http.PostAsync(WebhooksApp.WebhookPath.TrimStart('/'), new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.All([forged, tampered, replayed, unsigned.StatusCode], s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.Empty(await http.GetFromJsonAsync<JsonElement[]>("predictions") ?? []);
    }

    [Fact]
    public async Task DuplicatesAndStatusRegressions_AreAcknowledged_ButRecordedOnce()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        await using var app = await SampleApp.StartAsync(emulator, WebhooksApp.Build);
        using var http = new HttpClient { BaseAddress = app.Address, Timeout = TimeSpan.FromSeconds(30) };
        var now = DateTimeOffset.UtcNow;
        var secret = emulator.WebhookSecret;

        var outcomes = new List<string>();
        foreach (var (id, status) in new[] { ("msg_a", "processing"), ("msg_b", "succeeded"), ("msg_b", "succeeded"), ("msg_c", "processing"), ("msg_d", "canceled"), ("msg_e", "starting") })
        {
            using var response = await SendAsync(http, secret, id, now, PredictionJson("p1", status));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            outcomes.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outcome").GetString()!);
        }

        var completed = await http.GetFromJsonAsync<JsonElement[]>("predictions");
        Assert.Equal(["Progress", "Completed", "Duplicate", "Stale", "Stale", "Stale"], outcomes);
        Assert.Equal("succeeded", Assert.Single(completed!).GetProperty("status").GetString());
    }

    private static string PredictionJson(string id, string status) =>
        $$$"""{"id":"{{{id}}}","model":"replicate/hello-world","version":"hidden","input":{"text":"x"},"output":null,"logs":"","error":null,"status":"{{{status}}}","data_removed":false,"created_at":"2026-01-01T00:00:00.000Z","urls":{"get":"http://x/v1/predictions/{{{id}}}"}}""";

    private static async Task<HttpStatusCode> DeliverAsync(HttpClient http, string secret, string webhookId, DateTimeOffset timestamp, string signed, string? sent = null)
    {
        using var response = await SendAsync(http, secret, webhookId, timestamp, signed, sent);
        return response.StatusCode;
    }

    /// <summary>POSTs a delivery signed the way Replicate signs (optionally sending a different body than was signed).</summary>
    private static Task<HttpResponseMessage> SendAsync(HttpClient http, string secret, string webhookId, DateTimeOffset timestamp, string signed, string? sent = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, WebhooksApp.WebhookPath.TrimStart('/'))
        {
            Content = new StringContent(sent ?? signed, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("webhook-id", webhookId);
        request.Headers.Add("webhook-timestamp", timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", WebhookSignature.Sign(secret, webhookId, timestamp, Encoding.UTF8.GetBytes(signed)));
        return http.SendAsync(request);
    }

    private static async Task<JsonElement[]> WaitForCompletedAsync(HttpClient http, int count)
    {
        JsonElement[] completed = [];
        await WaitUntilAsync(async () => (completed = await http.GetFromJsonAsync<JsonElement[]>("predictions") ?? []).Length >= count);
        return completed;
    }

    private static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
