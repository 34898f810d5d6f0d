using System.Collections.Concurrent;
using System.Collections.Specialized;
using System.Net;
using WireMock;
using WireMock.Logging;
using WireMock.Models;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;
using WireMock.Types;
using WireMock.Util;

namespace Replicate.Tests.Infrastructure;

/// <summary>
/// Exact HTTP exchanges scripted on WireMock.Net: statuses, headers and bodies as the test names them, sequences as
/// WireMock scenarios, and WireMock's request log (<see cref="IWireMockServer.LogEntries"/>) to assert on. Servers
/// listen on a free port of one loopback address, never on every interface.
/// </summary>
public static class ScriptedApi
{
    public const string Token = "r8_test_secret_token_value";

    /// <summary>Starts a WireMock server on <paramref name="host"/> (127.0.0.2 is a second loopback host: another origin).</summary>
    public static WireMockServer Start(string host = "127.0.0.1") =>
        WireMockServer.Start(new WireMockServerSettings { Urls = [$"http://{host}:0"] });

    /// <summary>The API base address (<c>…/v1/</c>) on <paramref name="server"/>.</summary>
    public static Uri ApiBase(this IWireMockServer server) => new(server.Url!.TrimEnd('/') + "/v1/");

    /// <summary>Matches <paramref name="method"/> on <c>/v1/</c><paramref name="path"/>.</summary>
    public static IRequestBuilder Api(string path, string method = "GET") =>
        Request.Create().WithPath("/v1/" + path).UsingMethod(method);

    public static IResponseBuilder Json(int status, string json, string contentType = "application/json") =>
        Response.Create().WithStatusCode(status).WithHeader("Content-Type", contentType).WithBody(json);

    /// <summary>The same as <see cref="Json(int, string, string)"/>, for callbacks that build a response per request.</summary>
    public static ResponseMessage JsonMessage(int status, string json) => new()
    {
        StatusCode = status,
        Headers = new Dictionary<string, WireMockList<string>> { ["Content-Type"] = new("application/json") },
        BodyData = new BodyData { BodyAsString = json, DetectedBodyType = BodyType.String },
    };

    /// <summary>
    /// A body written piece by piece as <paramref name="write"/> queues the pieces, each flushed on its own (WireMock's
    /// server-sent-events body, good for any content type): for slow, endless or stalled bodies. The response ends when
    /// <paramref name="write"/> does, or when nothing was queued for 30 s.
    /// </summary>
    public static IResponseBuilder Streamed(string contentType, Func<IBlockingQueue<string?>, Task> write) =>
        Response.Create().WithStatusCode(200).WithHeader("Content-Type", contentType).WithSseBody(
            async (_, queue) =>
            {
                try
                {
                    await write(queue);
                }
                finally
                {
                    queue.Close();
                }
            },
            TimeSpan.FromSeconds(30));

    /// <summary>
    /// Answers <paramref name="request"/> with each of <paramref name="responses"/> in turn and then with the last one
    /// again: a WireMock scenario whose state counts the requests.
    /// </summary>
    public static void Sequence(this WireMockServer server, IRequestBuilder request, params IResponseBuilder[] responses)
    {
        if (responses.Length == 1)
        {
            server.Given(request).RespondWith(responses[0]);
            return;
        }

        var scenario = Guid.NewGuid().ToString();
        for (var i = 0; i < responses.Length; i++)
        {
            var step = server.Given(request).InScenario(scenario);
            if (i > 0)
            {
                step = step.WhenStateIs($"after {i}");
            }

            // The last response keeps the scenario where it is (a mapping that names no next state restarts it).
            step.WillSetStateTo($"after {Math.Min(i + 1, responses.Length - 1)}").RespondWith(responses[i]);
        }
    }

    /// <summary>The requests WireMock logged, in order (a request is logged when its response starts).</summary>
    public static IReadOnlyList<IRequestMessage> Requests(this IWireMockServer server) =>
        [.. server.LogEntries.Select(e => e.RequestMessage)];

    /// <summary>A request header by case-insensitive name, repeated values joined with <c>", "</c>; <see langword="null"/> when absent.</summary>
    public static string? Header(this IRequestMessage request, string name) =>
        request.Headers?.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)) is { Key: not null } header
            ? string.Join(", ", header.Value)
            : null;

    /// <summary>The time on <paramref name="clock"/> at which each request is logged from now on, in order.</summary>
    public static ConcurrentQueue<DateTimeOffset> StampRequests(this WireMockServer server, TimeProvider clock)
    {
        var stamps = new ConcurrentQueue<DateTimeOffset>();
        server.LogEntriesChanged += (_, e) =>
        {
            if (e.Action == NotifyCollectionChangedAction.Add)
            {
                var now = clock.GetUtcNow();
                for (var i = 0; i < e.NewItems!.OfType<ILogEntry>().Count(); i++)
                {
                    stamps.Enqueue(now);
                }
            }
        };
        return stamps;
    }

    /// <summary>The time between consecutive stamps.</summary>
    public static IReadOnlyList<TimeSpan> Gaps(IEnumerable<DateTimeOffset> stamps)
    {
        var list = stamps.ToList();
        return [.. list.Zip(list.Skip(1), (before, after) => after - before)];
    }

    public static string Prediction(string id = "p1", string status = "succeeded", string output = "\"hello\"") =>
        $$$"""{"id":"{{{id}}}","model":"acme/echo","version":"hidden","input":{},"output":{{{output}}},"logs":"","error":null,"status":"{{{status}}}","data_removed":false,"created_at":"2026-01-01T00:00:00.123Z","urls":{"get":"http://x/v1/predictions/{{{id}}}","cancel":"http://x/v1/predictions/{{{id}}}/cancel","web":"https://replicate.com/p/{{{id}}}"}}""";

    public static ReplicateClient Client(Uri baseAddress, TimeProvider time, int maxRetries = 4, TimeSpan? maxRetryDelay = null) => new(new ReplicateClientOptions
    {
        ApiToken = Token,
        BaseAddress = baseAddress,
        TimeProvider = time,
        MaxRetries = maxRetries,
        MaxRetryDelay = maxRetryDelay ?? TimeSpan.FromSeconds(30),
    });
}

/// <summary>
/// A response that does not come (not even its headers) until the test releases it, or the hang is disposed: for
/// calls that must time out or be canceled while they wait. WireMock logs the request only once it is released.
/// </summary>
public sealed class Hang : IDisposable
{
    private readonly TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _arrivals;

    /// <summary>Completes when the first request is waiting.</summary>
    public Task Arrived => _arrived.Task;

    /// <summary>Completes when the test lets the waiting requests go.</summary>
    public Task Released => _released.Task;

    /// <summary>How many requests reached the hang.</summary>
    public int Arrivals => Volatile.Read(ref _arrivals);

    /// <summary>Waits for the release, then answers 200 with no body.</summary>
    public IResponseBuilder Response() => WireMock.ResponseBuilders.Response.Create().WithCallback(async _ =>
    {
        Interlocked.Increment(ref _arrivals);
        _arrived.TrySetResult();
        await _released.Task;
        return new ResponseMessage { StatusCode = 200 };
    });

    public void Release() => _released.TrySetResult();

    public void Dispose() => Release();
}
