using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Replicate.Testing;

namespace Replicate.Extensions.AI.Tests;

/// <summary>An emulator and a client pointed at it, disposed together; helpers to read what went over the wire.</summary>
public sealed class Harness : IAsyncDisposable
{
    /// <summary>
    /// How long the waits for the client and server give them: a few ms alone, but CI runs the test projects side by
    /// side on two cores, where 5 s ran out.
    /// </summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private Harness(ReplicateEmulator emulator, ReplicateClient client)
    {
        Emulator = emulator;
        Client = client;
    }

    public ReplicateEmulator Emulator { get; }

    public ReplicateClient Client { get; }

    /// <param name="metrics">
    /// Token counts to put in every finished prediction the client reads, replacing what the model reported (the demo
    /// language model reports its own counts; other emulated models report none), so tests can pin exact numbers.
    /// </param>
    public static async Task<Harness> StartAsync(TimeSpan? tokenDelay = null, (long Input, long Output)? metrics = null)
    {
        var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { DemoTokenDelay = tokenDelay ?? TimeSpan.Zero });
        var options = new ReplicateClientOptions
        {
            ApiToken = emulator.ApiToken,
            BaseAddress = emulator.BaseAddress,
            PollingInterval = TimeSpan.FromMilliseconds(10),
        };
        HttpMessageHandler transport = new SocketsHttpHandler();
        if (metrics is { } m)
        {
            transport = new TokenMetricsHandler(m.Input, m.Output) { InnerHandler = transport };
        }

        var http = new HttpClient(ReplicateClient.CreateHttpMessageHandler(options, transport)) { Timeout = Timeout.InfiniteTimeSpan };
        return new Harness(emulator, new ReplicateClient(http, options));
    }

    /// <summary>The <c>input</c> of the only prediction created, as it was sent.</summary>
    public JsonElement SentInput()
    {
        return JsonDocument.Parse(CreateRequest().Body).RootElement.GetProperty("input").Clone();
    }

    /// <summary>The request that created the only prediction: its path is the model's route, its body the input.</summary>
    public RecordedRequest CreateRequest() =>
        Assert.Single(Emulator.Requests, r => r.Method == "POST" && !r.Path.EndsWith("/cancel", StringComparison.Ordinal) && !r.Path.StartsWith("/v1/files", StringComparison.Ordinal));

    /// <summary>Waits (bounded) until the server reports the prediction behind a cancel request as <c>canceled</c>.</summary>
    public async Task AssertCanceledOnServerAsync(string cancelPath)
    {
        var id = cancelPath.Split('/')[3];
        var status = PredictionStatus.Starting;
        var waited = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 3000 && waited.Elapsed < Patience && status != PredictionStatus.Canceled; i++)
        {
            status = (await Client.Predictions.GetAsync(id)).Status;
            if (status != PredictionStatus.Canceled)
            {
                await Task.Delay(10);
            }
        }

        Assert.Equal(PredictionStatus.Canceled, status);
    }

    public IReadOnlyList<string> CancelRequests() =>
        [.. Emulator.Requests.Where(r => r.Method == "POST" && r.Path.EndsWith("/cancel", StringComparison.Ordinal)).Select(r => r.Path)];

    /// <summary>
    /// Waits (bounded) until the client is polling a prediction, so it knows the prediction's id. (Counting created
    /// predictions is not enough: the client may not have read the create response yet, and a prediction whose id it
    /// never learned cannot be canceled.)
    /// </summary>
    public async Task WaitForPollingAsync()
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 3000 && waited.Elapsed < Patience && !IsPolling(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(IsPolling(), $"The client did not poll a prediction within {Patience.TotalSeconds} s.");

        bool IsPolling() => Emulator.Requests.Any(r => r.Method == "GET" && r.Path.StartsWith("/v1/predictions/", StringComparison.Ordinal));
    }

    /// <summary>Waits (bounded) until the client has asked the server to cancel a prediction.</summary>
    public async Task<string> WaitForCancelAsync()
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 3000 && waited.Elapsed < Patience && CancelRequests().Count == 0; i++)
        {
            await Task.Delay(10);
        }

        return Assert.Single(CancelRequests());
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Emulator.DisposeAsync();
    }

    private sealed class TokenMetricsHandler(long input, long output) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (response.Content.Headers.ContentType?.MediaType != "application/json")
            {
                return response; // streams and files pass untouched
            }

            var node = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            if (node is JsonObject prediction && prediction["status"]?.GetValue<string>() == "succeeded" && prediction["metrics"] is JsonObject metrics)
            {
                metrics["input_token_count"] = input;
                metrics["output_token_count"] = output;
            }

            var content = new StringContent(node?.ToJsonString() ?? "null", Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            response.Content = content;
            return response;
        }
    }
}
