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

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("../cancel")]
    [InlineData("a\\b")]
    public async Task IdsThatWouldAddressAnotherEndpoint_AreRefusedBeforeSending(string id)
    {
        await using var h = await EmulatorHarness.StartAsync();
        var c = h.Client;
        Func<Task>[] calls =
        [
            () => c.Predictions.GetAsync(id), () => c.Predictions.CancelAsync(id),
            () => c.Trainings.GetAsync(id), () => c.Trainings.CancelAsync(id),
            () => c.Files.GetAsync(id), () => c.Files.DeleteAsync(id),
            () => c.Collections.GetAsync(id),
        ];

        foreach (var call in calls)
        {
            var ex = await Assert.ThrowsAnyAsync<ArgumentException>(call);
            Assert.NotNull(ex.ParamName);
        }

        Assert.ThrowsAny<ArgumentException>(() => new FileDownloadLink(id, "acme", DateTimeOffset.UnixEpoch, "sig"));
        Assert.Empty(h.Emulator.Requests);
    }

    [Fact]
    public void ADownloadUrlWhoseIdIsDotDot_DoesNotParse()
    {
        Assert.False(FileDownloadLink.TryParse(new Uri("https://api.replicate.com/v1/files/%2E%2E/download?owner=a&expiry=1&signature=s"), out _));
    }

    [Theory]
    [InlineData("webhooks/default/secret?cursor=x")]
    [InlineData("predictions/abc/cancel?cursor=x")]
    [InlineData("models?cursor=x")]
    public async Task ACursorToAnotherPathOfTheApi_IsRefused(string relative)
    {
        await using var h = await EmulatorHarness.StartAsync();
        var cursor = new Uri(h.Emulator.BaseAddress, relative).ToString();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => h.Client.Predictions.ListAsync(cursor));

        Assert.Contains("/v1/predictions", ex.Message, StringComparison.Ordinal);
        Assert.Empty(h.Emulator.Requests);
    }

    [Fact]
    public async Task AStreamTheNetworkGivesUpOn_LeavesThePredictionRunning()
    {
        await using var h = await EmulatorHarness.StartAsync(clientOptions: o =>
        {
            o.MaxRetries = 1;
            o.RetryDelay = TimeSpan.FromMilliseconds(1);
            o.MaxRetryDelay = TimeSpan.FromMilliseconds(1);
        });
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Emulator.AddModel("acme/tokens", async (_, ctx) =>
        {
            for (var i = 0; i < 3; i++)
            {
                ctx.Output($"t{i} ");
            }

            await release.Task.WaitAsync(ctx.CancellationToken);
            return null;
        });
        h.Emulator.DropStreamAfterEvents = 3;

        var received = new List<string>();
        var ex = await Assert.ThrowsAnyAsync<ReplicateException>(async () =>
        {
            await foreach (var e in h.Client.StreamTextAsync("acme/tokens", new { }))
            {
                if (received.Count == 0)
                {
                    h.Emulator.Faults.Add(new Replicate.Testing.EmulatorFault { Method = "GET", PathPrefix = "/v1/streams/", Kind = Replicate.Testing.EmulatorFaultKind.ResetConnection, Times = 100 });
                }

                received.Add(e);
            }
        });

        Assert.Equal(["t0 ", "t1 ", "t2 "], received);
        Assert.Contains("may still be running", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Emulator.Requests, r => r.Path.EndsWith("/cancel", StringComparison.Ordinal));
        var id = Assert.Single((await h.Client.Predictions.ListAsync()).Results).Id;
        Assert.Equal(PredictionStatus.Processing, (await h.Client.Predictions.GetAsync(id)).Status);
        release.TrySetResult();
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
