using System.Net;
using Replicate.Tests.Infrastructure;

namespace Replicate.Tests;

/// <summary>
/// Model output is untrusted: what a model returns must never make the SDK spend the caller's token, money or disk
/// in ways the caller did not ask for.
/// </summary>
public class SecurityTests
{
    [Fact]
    public async Task AFileOutputNamingTheApi_IsFetchedWithoutTheToken()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var secretUrl = new Uri(h.Emulator.BaseAddress, "webhooks/default/secret").ToString();
        h.Emulator.AddModel("acme/evil", (_, _) => Task.FromResult<object?>(secretUrl));

        var output = await h.Client.RunAsync("acme/evil", new { });
        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => output.AsFile().ReadAllBytesAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
        var fetch = Assert.Single(h.Requests("GET", "/v1/webhooks/"));
        Assert.False(fetch.Headers.ContainsKey("Authorization"));
        Assert.DoesNotContain(h.Emulator.WebhookSecret, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStreamedFileEventNamingTheApi_IsFetchedWithoutTheToken()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var secretUrl = new Uri(h.Emulator.BaseAddress, "webhooks/default/secret").ToString();
        h.Emulator.AddModel("acme/evil-stream", (_, ctx) =>
        {
            ctx.Output(secretUrl);
            return Task.FromResult<object?>(null);
        });

        FileOutput? file = null;
        await foreach (var e in h.Client.StreamAsync("acme/evil-stream", new { }))
        {
            file ??= e.File;
        }

        Assert.NotNull(file);
        await Assert.ThrowsAsync<ReplicateApiException>(() => file.ReadAllBytesAsync());
        Assert.False(Assert.Single(h.Requests("GET", "/v1/webhooks/")).Headers.ContainsKey("Authorization"));

        // The stream itself is an API URL: it keeps the token.
        Assert.All(h.Requests("GET", "/v1/streams/"), r => Assert.True(r.Headers.ContainsKey("Authorization")));
    }

    [Fact]
    public async Task CancelingRunAsync_WithTheDefaultSyncWait_CancelsThePredictionOnTheServer()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Emulator.AddModel("acme/slow", async (_, ctx) =>
        {
            started.TrySetResult();
            await Task.Delay(TimeSpan.FromSeconds(30), ctx.CancellationToken);
            return "finished";
        });

        using var cts = new CancellationTokenSource();
        var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = h.Client.RunAsync("acme/slow", new { }, progress: new Progress(created), cancellationToken: cts.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await created.Task.WaitAsync(TimeSpan.FromSeconds(10));
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run).WaitAsync(TimeSpan.FromSeconds(10));
        var create = Assert.Single(h.Requests("POST", "/v1/models/acme/slow/predictions"));
        Assert.False(create.Headers.ContainsKey("Prefer"));
        var cancel = Assert.Single(h.Emulator.Requests, r => r.Method == "POST" && r.Path.EndsWith("/cancel", StringComparison.Ordinal));
        var id = cancel.Path.Split('/')[^2];
        Assert.Equal(PredictionStatus.Canceled, (await h.Client.Predictions.GetAsync(id)).Status);
    }

    [Fact]
    public async Task CancelingRunAsync_WithAnUncancelableToken_KeepsTheSyncWait()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModel("acme/fast", (_, _) => Task.FromResult<object?>("ok"));

        Assert.Equal("ok", (await h.Client.RunAsync("acme/fast", new { })).ToString());
        Assert.Equal("wait=60", Assert.Single(h.Requests("POST", "/v1/models/acme/fast/predictions")).Headers["Prefer"]);
        Assert.Empty(h.Requests("GET", "/v1/predictions/"));
    }

    [Fact]
    public async Task CancelingWhileTheCreateIsOnTheWire_CancelsThePredictionItMade()
    {
        await using var emulator = await Replicate.Testing.ReplicateEmulator.StartAsync();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        emulator.AddModel("acme/slow", async (_, ctx) =>
        {
            started.TrySetResult();
            await Task.Delay(TimeSpan.FromSeconds(30), ctx.CancellationToken);
            return "finished";
        });
        var gate = new CreateGate();
        var options = new ReplicateClientOptions { ApiToken = emulator.ApiToken, BaseAddress = emulator.BaseAddress };
        using var http = new HttpClient(ReplicateClient.CreateHttpMessageHandler(options, gate)) { Timeout = Timeout.InfiniteTimeSpan };
        using var client = new ReplicateClient(http, options);

        using var cts = new CancellationTokenSource();
        var run = client.RunAsync("acme/slow", new { }, cancellationToken: cts.Token);
        await gate.CreateAnswered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        cts.Cancel();

        // The caller is released at once, although the create's answer is still held back.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(gate.CancelSent.Task.IsCompleted);

        gate.Release.TrySetResult();
        var cancelPath = await gate.CancelSent.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var id = cancelPath.Split('/')[^2];
        Assert.Equal(PredictionStatus.Canceled, (await client.Predictions.GetAsync(id)).Status);
        Assert.Equal(1, emulator.PredictionsCreated);
    }

    private sealed class Progress(TaskCompletionSource reported) : IProgress<Prediction>
    {
        public void Report(Prediction value) => reported.TrySetResult();
    }

    /// <summary>Holds back the answer to a create (after the server made the prediction) and reports cancel requests.</summary>
    private sealed class CreateGate() : DelegatingHandler(new SocketsHttpHandler())
    {
        public TaskCompletionSource CreateAnswered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<string> CancelSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            var path = request.RequestUri!.AbsolutePath;
            if (request.Method == HttpMethod.Post && path.EndsWith("/cancel", StringComparison.Ordinal))
            {
                CancelSent.TrySetResult(path);
            }
            else if (request.Method == HttpMethod.Post)
            {
                CreateAnswered.TrySetResult();
                await Release.Task.WaitAsync(cancellationToken);
            }

            return response;
        }
    }
}
