using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Replicate.Testing;
using Replicate.Tests.Infrastructure;

namespace Replicate.Tests;

public class WebhookDeliveryTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Deliveries_AreSignedWithTheAccountSecret_ForEveryRequestedEvent_CompletedLast()
    {
        await using var h = await EmulatorHarness.StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        h.Emulator.AddModel("acme/steps", async (_, ctx) =>
        {
            ctx.Log("warming up");
            ctx.Output("a");

            // Output and logs deliveries made after the prediction ends are dropped (only completed carries the end), so
            // the model runs on until both went out, not a fixed time a slow start delivery can use up. Bounded: if they
            // never go, the asserts below say so.
            var waited = System.Diagnostics.Stopwatch.StartNew();
            for (var i = 0; i < 3000 && waited.Elapsed < TimeSpan.FromSeconds(30) && !HasDelivered(h.Emulator, "output", "logs"); i++)
            {
                await ctx.DelayAsync(TimeSpan.FromMilliseconds(10));
            }

            ctx.Output("b");
            return null;
        });
        var secret = await h.Client.Webhooks.GetDefaultSecretAsync();

        var prediction = await h.Client.Predictions.CreateAsync("acme/steps", new { }, new PredictionOptions
        {
            Webhook = receiver.Url,
            WebhookEventsFilter = [WebhookEventType.Start, WebhookEventType.Output, WebhookEventType.Logs, WebhookEventType.Completed],
        });
        await WaitForCompletedAsync(h.Emulator);
        var received = receiver.Received;

        Assert.Equal(h.Emulator.WebhookSecret, secret.Key);
        Assert.StartsWith("whsec_", secret.Key, StringComparison.Ordinal);
        Assert.All(received, r => Assert.True(WebhookSignature.TryVerify(secret.Key, r.Headers, r.Body, out var reason), reason.ToString()));
        Assert.All(received, r => Assert.Equal(prediction.Id, r.Prediction!.Id));
        var events = h.Emulator.WebhookDeliveries.Select(d => d.EventType).ToList();
        Assert.Equal("start", events[0]);
        Assert.Contains("output", events);
        Assert.Contains("logs", events);
        Assert.Equal("completed", events[^1]);
        Assert.Single(events, e => e == "completed");
        Assert.Equal(PredictionStatus.Succeeded, received[^1].Prediction!.Status);
        Assert.Equal("""["a","b"]""", received[^1].Prediction!.Output?.GetRawText());
        Assert.Equal(received.Count, received.Select(r => r.Headers["webhook-id"]).Distinct().Count());
        Assert.All(h.Emulator.WebhookDeliveries, d => Assert.True(d.Succeeded, d.ToString()));
    }

    [Fact]
    public async Task WithoutAFilter_OnlyOutputAndCompletedAreSent()
    {
        await using var h = await EmulatorHarness.StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        h.Emulator.AddModel("acme/steps", async (_, ctx) =>
        {
            ctx.Log("log line");
            ctx.Output("a");
            await ctx.DelayAsync(TimeSpan.FromMilliseconds(100));
            return null;
        });

        await h.Client.RunAsync("acme/steps", new { }, new PredictionOptions { Webhook = receiver.Url });
        await WaitForCompletedAsync(h.Emulator);

        Assert.All(h.Emulator.WebhookDeliveries, d => Assert.Contains(d.EventType, new[] { "output", "completed" }));
        Assert.Equal("completed", h.Emulator.WebhookDeliveries[^1].EventType);
    }

    [Fact]
    public async Task OutputAndLogs_AreThrottledToOneDeliveryPer500ms()
    {
        await using var h = await EmulatorHarness.StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        h.Emulator.AddModel("acme/chatty", async (_, ctx) =>
        {
            for (var i = 0; i < 20; i++)
            {
                ctx.Output(i);
                ctx.Log("line " + i);
                await ctx.DelayAsync(TimeSpan.FromMilliseconds(40));
            }

            return null;
        });

        await h.Client.Predictions.CreateAsync("acme/chatty", new { }, new PredictionOptions
        {
            Webhook = receiver.Url,
            WebhookEventsFilter = [WebhookEventType.Output, WebhookEventType.Logs, WebhookEventType.Completed],
        });
        await WaitForCompletedAsync(h.Emulator);
        var received = receiver.Received;

        var deliveries = h.Emulator.WebhookDeliveries;

        // Each kind goes out at most once per 500 ms while the prediction runs (one at its first output, after its start),
        // so the bound follows how long it actually ran: on a loaded machine the 20 steps of 40 ms can stretch well past
        // the 800 ms they take alone, and a fixed bound failed. Unthrottled, there would be about 20 of each.
        var last = received[^1].Prediction!;
        var ran = last.CompletedAt!.Value - last.StartedAt!.Value;
        var most = 1 + (int)(ran / TimeSpan.FromMilliseconds(500));
        Assert.InRange(deliveries.Count(d => d.EventType == "output"), 1, most);
        Assert.InRange(deliveries.Count(d => d.EventType == "logs"), 1, most);
        Assert.Equal(20, last.Output?.GetArrayLength());
        var outputs = deliveries.Where(d => d.EventType == "output").Select(d => d.SentAt).ToList();
        Assert.All(outputs.Zip(outputs.Skip(1)), pair => Assert.True(pair.Second - pair.First >= TimeSpan.FromMilliseconds(500), $"{pair.Second - pair.First} between outputs"));
    }

    [Fact]
    public async Task TheCompletedEvent_IsRetriedAfterA500_WithTheSameIdAndAFreshSignature_OtherEventsAreNot()
    {
        await using var h = await EmulatorHarness.StartAsync(o => o.WebhookRetryDelays = [TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(50)]);
        await using var receiver = await WebhookReceiver.StartAsync(r => r.EventStatus is "succeeded" && r.Attempt == 1 || r.EventStatus is "processing" ? 500 : 200);
        h.Emulator.AddModel("acme/steps", async (_, ctx) =>
        {
            ctx.Output("a");
            await ctx.DelayAsync(TimeSpan.FromMilliseconds(100));
            return null;
        });

        await h.Client.Predictions.CreateAsync("acme/steps", new { }, new PredictionOptions { Webhook = receiver.Url });
        await WaitForCompletedAsync(h.Emulator);
        var received = receiver.Received;

        var completed = h.Emulator.WebhookDeliveries.Where(d => d.EventType == "completed").ToList();
        Assert.Equal([500, 200], completed.Select(d => d.StatusCode));
        Assert.Equal([1, 2], completed.Select(d => d.Attempt));
        Assert.Single(completed.Select(d => d.WebhookId).Distinct());
        var outputs = h.Emulator.WebhookDeliveries.Where(d => d.EventType == "output").ToList();
        Assert.All(outputs, d => Assert.Equal((500, 1), (d.StatusCode!.Value, d.Attempt)));
        Assert.All(received, r => Assert.True(WebhookSignature.TryVerify(h.Emulator.WebhookSecret, r.Headers, r.Body, out _)));
        Assert.Equal(2, received.Count(r => r.Headers["webhook-id"] == completed[0].WebhookId));
    }

    [Fact]
    public async Task RedirectsAreNotFollowed_AndRetriesAreBounded()
    {
        await using var h = await EmulatorHarness.StartAsync(o => o.WebhookRetryDelays = [TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(20)]);
        await using var receiver = await WebhookReceiver.StartAsync(_ => 307);
        h.Emulator.AddModel("acme/quick", (_, _) => Task.FromResult<object?>("done"));

        await h.Client.Predictions.CreateAsync("acme/quick", new { }, new PredictionOptions { Webhook = receiver.Url, WebhookEventsFilter = [WebhookEventType.Completed] });
        await WaitUntilAsync(() => h.Emulator.WebhookDeliveries.Count == 3);
        await Task.Delay(200);

        Assert.Equal([307, 307, 307], h.Emulator.WebhookDeliveries.Select(d => d.StatusCode));
        Assert.All(h.Emulator.WebhookDeliveries, d => Assert.False(d.Succeeded));
        Assert.Equal(3, receiver.Received.Count);
        Assert.DoesNotContain(receiver.Received, r => r.Path == "/elsewhere");
    }

    [Fact]
    public async Task TrainingWebhooks_DeliverTheTraining()
    {
        await using var h = await EmulatorHarness.StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        var trainable = h.Emulator.AddModel("acme/base", (_, _) => Task.FromResult<object?>(null), o => o.Trainer = (_, _) => Task.FromResult<object?>("https://example.com/w.tar"));
        h.Emulator.AddModel("emulator/tuned", (_, _) => Task.FromResult<object?>(null));

        var training = await h.Client.Trainings.CreateAsync($"acme/base:{trainable.VersionId}", "emulator/tuned", new { }, new TrainingOptions { Webhook = receiver.Url });
        await WaitForCompletedAsync(h.Emulator);
        var received = receiver.Received;

        var last = ReplicateWebhook.ReadTraining(h.Emulator.WebhookSecret, received[^1].Headers, received[^1].Body);
        Assert.Equal(training.Id, last.Id);
        Assert.Equal("https://example.com/w.tar", last.Output?.Weights);
    }

    [Fact]
    public async Task PlaceholderWebhooksOnOtherHosts_AreRecordedButNeverSent()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModel("acme/quick", (_, _) => Task.FromResult<object?>("done"));

        await h.Client.RunAsync("acme/quick", new { }, new PredictionOptions { Webhook = new Uri("https://example.com/hook") });
        await WaitUntilAsync(() => h.Emulator.WebhookDeliveries.Any(d => d.EventType == "completed"));

        var delivery = Assert.Single(h.Emulator.WebhookDeliveries, d => d.EventType == "completed");
        Assert.Null(delivery.StatusCode);
        Assert.Contains("not sent", delivery.Error, StringComparison.Ordinal);
        Assert.Equal(1, delivery.Attempt);
    }

    [Fact]
    public async Task TheDefaultSecret_IsFetchedOnce_ByConcurrentCallers_AndAFailureIsNotCached()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.Faults.Add(new EmulatorFault { Method = "GET", PathPrefix = "/v1/webhooks/default/secret", StatusCode = 403 });

        await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Webhooks.GetDefaultSecretAsync());
        var secrets = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => h.Client.Webhooks.GetDefaultSecretAsync()));
        var again = await h.Client.Webhooks.GetDefaultSecretAsync();

        Assert.All(secrets, s => Assert.Same(secrets[0], s));
        Assert.Same(secrets[0], again);
        Assert.Equal(2, h.Requests("GET", "/v1/webhooks/default/secret").Count);
        Assert.Equal("WebhookSecret { Key = *** }", again.ToString());
    }

    /// <summary>Waits until the emulator has recorded a successful completed delivery (it records after the receiver answered).</summary>
    private static bool HasDelivered(ReplicateEmulator emulator, params string[] events) =>
        events.All(e => emulator.WebhookDeliveries.Any(d => d.EventType == e));

    private static Task WaitForCompletedAsync(ReplicateEmulator emulator) =>
        WaitUntilAsync(() => emulator.WebhookDeliveries.Any(d => d.EventType == "completed" && d.Succeeded));

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    /// <summary>One delivery as the receiver got it: raw body bytes and headers, and what it answered.</summary>
    internal sealed record Delivery(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, int Attempt, int Status)
    {
        private static readonly JsonSerializerOptions SnakeCase = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

        public Prediction? Prediction => JsonSerializer.Deserialize<Prediction>(Body, SnakeCase);

        public string? EventStatus => JsonDocument.Parse(Body).RootElement.GetProperty("status").GetString();
    }

    /// <summary>A Kestrel endpoint on 127.0.0.1 that records deliveries byte for byte and answers what the test scripts.</summary>
    internal sealed class WebhookReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<Delivery> _received = new();

        private WebhookReceiver(WebApplication app) => _app = app;

        public Uri Url { get; private set; } = null!;

        public IReadOnlyList<Delivery> Received => [.. _received];

        public static async Task<WebhookReceiver> StartAsync(Func<Delivery, int>? answer = null)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var receiver = new WebhookReceiver(app);
            var attempts = new ConcurrentDictionary<string, int>();
            app.Run(async context =>
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body);
                var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
                var attempt = attempts.AddOrUpdate(headers.GetValueOrDefault("webhook-id") ?? string.Empty, 1, (_, n) => n + 1);
                var delivery = new Delivery(context.Request.Path, headers, body.ToArray(), attempt, 0);
                var status = answer?.Invoke(delivery) ?? 200;
                receiver._received.Enqueue(delivery with { Status = status });
                context.Response.StatusCode = status;
                if (status is >= 300 and < 400)
                {
                    context.Response.Headers.Location = "/elsewhere";
                }
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            receiver.Url = new Uri(address + "/hooks/replicate?correlation=42");
            return receiver;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
