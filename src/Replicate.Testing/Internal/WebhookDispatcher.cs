using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Replicate.Testing.Internal;

/// <summary>
/// Delivers webhooks like Replicate (reference §7): for each prediction or training with a <c>webhook</c>, POSTs its
/// JSON for the filtered events (default <c>output</c> and <c>completed</c>), signed with the account secret by the
/// Standard Webhooks scheme. <c>start</c> is sent once when it starts; <c>output</c> and <c>logs</c> at most once per
/// 500 ms each (on the emulator's clock; changes inside that window reach the receiver with the next delivery, at the
/// latest with <c>completed</c>); <c>completed</c> once when it ends, and it alone is retried after a failure (no
/// answer, or any status but 2xx) with the delays of <see cref="ReplicateEmulatorOptions.WebhookRetryDelays"/>.
/// Redirects are never followed. Deliveries of one prediction go out in order. Only loopback hosts are contacted unless
/// <see cref="ReplicateEmulatorOptions.DeliverWebhooksToAnyHost"/> is set.
/// </summary>
internal sealed class WebhookDispatcher : IDisposable
{
    private static readonly TimeSpan Throttle = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

    private readonly EmulatorCore _core;
    private readonly byte[] _key;
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, UseProxy = false })
    {
        // Attempts are bounded on the emulator's clock instead (AttemptTimeout).
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private readonly List<RecordedWebhookDelivery> _deliveries = [];

    public WebhookDispatcher(EmulatorCore core)
    {
        _core = core;
        Secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
        _key = Convert.FromBase64String(Secret["whsec_".Length..]);
    }

    /// <summary>The account's signing secret (<c>GET /webhooks/default/secret</c>), fixed for the emulator's life.</summary>
    public string Secret { get; }

    public RecordedWebhookDelivery[] Snapshot()
    {
        lock (_deliveries)
        {
            return [.. _deliveries];
        }
    }

    /// <summary>Starts delivering a new prediction's (or training's) webhooks in the background.</summary>
    public void Track(PredictionState state)
    {
        if (state.Webhook is { } webhook && Uri.TryCreate(webhook, UriKind.Absolute, out var url))
        {
            _ = Task.Run(() => RunAsync(state, url));
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task RunAsync(PredictionState state, Uri url)
    {
        var events = Events(state.WebhookEventsFilter);
        var startSent = false;
        var outputs = 0;
        var logLength = 0;
        DateTimeOffset? lastOutput = null, lastLogs = null;
        try
        {
            while (true)
            {
                var seen = state.Observe();
                if (seen.Started && !startSent)
                {
                    startSent = true;
                    if (events.Contains("start"))
                    {
                        await DeliverAsync(state, url, "start", retry: false).ConfigureAwait(false);
                    }
                }

                if (seen.Terminal)
                {
                    if (events.Contains("completed"))
                    {
                        await DeliverAsync(state, url, "completed", retry: true).ConfigureAwait(false);
                    }

                    return;
                }

                if (seen.Outputs > outputs && events.Contains("output") && Due(ref lastOutput) is { } outputAt)
                {
                    outputs = seen.Outputs;
                    await DeliverAsync(state, url, "output", retry: false, outputAt).ConfigureAwait(false);
                }

                if (seen.LogLength > logLength && events.Contains("logs") && Due(ref lastLogs) is { } logsAt)
                {
                    logLength = seen.LogLength;
                    await DeliverAsync(state, url, "logs", retry: false, logsAt).ConfigureAwait(false);
                }

                await seen.Changed.WaitAsync(_core.ShuttingDown).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_core.ShuttingDown.IsCancellationRequested)
        {
            // The emulator stopped; pending deliveries are dropped.
        }
    }

    /// <summary>
    /// When the throttle window of an intermediate event has passed, starts a new one and returns its start, else
    /// <see langword="null"/>. That one reading is also the delivery's time (<see cref="RecordedWebhookDelivery.SentAt"/>):
    /// read again at send time, a thread held up in between made the recorded spacing look shorter than the throttle's.
    /// </summary>
    private DateTimeOffset? Due(ref DateTimeOffset? last)
    {
        var now = _core.Time.GetUtcNow();
        if (last is { } previous && now - previous < Throttle)
        {
            return null;
        }

        last = now;
        return now;
    }

    /// <summary>
    /// Sends one event, retried only when <paramref name="retry"/>; the first attempt is dated <paramref name="firstAttemptAt"/>
    /// when the throttle already read the time, every other attempt when it is made.
    /// </summary>
    private async Task DeliverAsync(PredictionState state, Uri url, string eventType, bool retry, DateTimeOffset? firstAttemptAt = null)
    {
        // The body is the state at send time, so a throttled or late delivery carries everything up to now. Once the
        // prediction has ended, only the completed delivery carries it: receivers see a terminal status once.
        var (body, terminal) = Serialize(state);
        if (terminal != (eventType == "completed"))
        {
            return;
        }

        var webhookId = "msg_" + WireFormat.NewFileKey();
        var delays = retry ? _core.Options.WebhookRetryDelays : Array.Empty<TimeSpan>();
        var reachable = url.IsLoopback || _core.Options.DeliverWebhooksToAnyHost;
        for (var attempt = 1; ; attempt++)
        {
            var sentAt = attempt == 1 && firstAttemptAt is { } at ? at : _core.Time.GetUtcNow();
            var (status, error) = reachable
                ? await SendAsync(url, webhookId, sentAt, body).ConfigureAwait(false)
                : (null, "not sent: " + url.Host + " is not a loopback address (ReplicateEmulatorOptions.DeliverWebhooksToAnyHost)");
            lock (_deliveries)
            {
                _deliveries.Add(new RecordedWebhookDelivery(url, eventType, webhookId, attempt, state.Id, Encoding.UTF8.GetString(body), sentAt, status, error));
            }

            if (!reachable || status is >= 200 and < 300 || attempt > delays.Count)
            {
                return;
            }

            await Task.Delay(delays[attempt - 1], _core.Time, _core.ShuttingDown).ConfigureAwait(false);
        }
    }

    private async Task<(int? Status, string? Error)> SendAsync(Uri url, string webhookId, DateTimeOffset sentAt, byte[] body)
    {
        // Re-signed on every attempt, with the attempt's time: a receiver's timestamp tolerance must not reject retries.
        var timestamp = WireFormat.Invariant(sentAt.ToUnixTimeSeconds());
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("webhook-id", webhookId);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp);
        request.Headers.TryAddWithoutValidation("webhook-signature", "v1," + Sign(webhookId, timestamp, body));
        request.Headers.TryAddWithoutValidation("User-Agent", "Replicate-Emulator-Webhooks/1.0");
        using var timeout = new CancellationTokenSource(AttemptTimeout, _core.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _core.ShuttingDown);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            return ((int)response.StatusCode, null);
        }
        catch (HttpRequestException ex)
        {
            return (null, ex.Message);
        }
        catch (OperationCanceledException) when (!_core.ShuttingDown.IsCancellationRequested)
        {
            return (null, "no answer within " + WireFormat.Invariant((long)AttemptTimeout.TotalSeconds) + " s");
        }
    }

    private string Sign(string webhookId, string timestamp, byte[] body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        hmac.AppendData(Encoding.UTF8.GetBytes(webhookId + "." + timestamp + "."));
        hmac.AppendData(body);
        return Convert.ToBase64String(hmac.GetHashAndReset());
    }

    private static (byte[] Body, bool Terminal) Serialize(PredictionState state)
    {
        using var buffer = new MemoryStream();
        bool terminal;
        using (var writer = new Utf8JsonWriter(buffer, WireFormat.WriterOptions))
        {
            terminal = state.WriteJson(writer);
        }

        return (buffer.ToArray(), terminal);
    }

    /// <summary>The requested events; without a filter, output and completed (Replicate's default).</summary>
    private static HashSet<string> Events(JsonElement? filter)
    {
        if (filter is not { ValueKind: JsonValueKind.Array } items)
        {
            return ["output", "completed"];
        }

        var events = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items.EnumerateArray())
        {
            events.Add(item.GetString()!);
        }

        return events;
    }
}
