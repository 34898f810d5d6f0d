namespace Replicate.Testing;

/// <summary>
/// One webhook delivery attempt the emulator made (<see cref="ReplicateEmulator.WebhookDeliveries"/>): what it sent,
/// where, and how the receiver answered.
/// </summary>
public sealed class RecordedWebhookDelivery
{
    internal RecordedWebhookDelivery(
        Uri url, string eventType, string webhookId, int attempt, string subjectId, string body, DateTimeOffset sentAt, int? statusCode, string? error)
    {
        Url = url;
        EventType = eventType;
        WebhookId = webhookId;
        Attempt = attempt;
        SubjectId = subjectId;
        Body = body;
        SentAt = sentAt;
        StatusCode = statusCode;
        Error = error;
    }

    /// <summary>The webhook URL the delivery was POSTed to.</summary>
    public Uri Url { get; }

    /// <summary>The event that caused it: <c>start</c>, <c>output</c>, <c>logs</c> or <c>completed</c>.</summary>
    public string EventType { get; }

    /// <summary>The <c>webhook-id</c> header: one per event, the same on every retry of it.</summary>
    public string WebhookId { get; }

    /// <summary>1 for the first attempt, 2 for the first retry, and so on (only <c>completed</c> is retried).</summary>
    public int Attempt { get; }

    /// <summary>The id of the prediction or training the delivery is about.</summary>
    public string SubjectId { get; }

    /// <summary>The JSON body sent: the prediction (or training) as <c>GET</c> returned it at that moment.</summary>
    public string Body { get; }

    /// <summary>When the attempt was made, on <see cref="ReplicateEmulatorOptions.TimeProvider"/> (also its <c>webhook-timestamp</c>).</summary>
    public DateTimeOffset SentAt { get; }

    /// <summary>The receiver's status code, or <see langword="null"/> when no response came (see <see cref="Error"/>).</summary>
    public int? StatusCode { get; }

    /// <summary>Why no response came (connection refused, timeout), or <see langword="null"/>.</summary>
    public string? Error { get; }

    /// <summary>Whether the receiver answered 2xx. A redirect is a failure: deliveries never follow redirects.</summary>
    public bool Succeeded => StatusCode is >= 200 and < 300;

    /// <summary>Returns <c>event attempt → status</c>.</summary>
    /// <returns>A one-line description for assertion messages.</returns>
    public override string ToString() => $"{EventType} #{Attempt} {SubjectId} -> {(StatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Error)}";
}
