namespace Replicate;

/// <summary>Options for creating a prediction.</summary>
public sealed class PredictionOptions
{
    /// <summary>
    /// Gets or sets how long the server should hold the create request open for the result (sync mode,
    /// <c>Prefer: wait=N</c>, 1–60 s, rounded up to whole seconds). For <c>CreateAsync</c>, <see langword="null"/> means
    /// no wait; for <c>RunAsync</c> it means <see cref="ReplicateClientOptions.Wait"/>, and <see cref="TimeSpan.Zero"/>
    /// turns sync mode off.
    /// </summary>
    public TimeSpan? Wait { get; set; }

    /// <summary>
    /// Gets or sets the prediction's maximum lifetime, counted from creation (<c>Cancel-After</c>, at least 5 s). When it
    /// passes the prediction ends <c>canceled</c> if it was running, or <c>aborted</c> if it never started.
    /// </summary>
    public TimeSpan? CancelAfter { get; set; }

    /// <summary>
    /// Gets or sets the HTTPS URL Replicate POSTs the prediction to as it changes (plain HTTP is accepted only for
    /// loopback addresses, for local testing). Check deliveries with <c>WebhookSignature</c>.
    /// </summary>
    public Uri? Webhook { get; set; }

    /// <summary>Gets or sets which events trigger a webhook delivery; the server default is output and completion.</summary>
    public IReadOnlyList<WebhookEventType>? WebhookEventsFilter { get; set; }

    /// <summary>
    /// Gets or sets whether, when <c>RunAsync</c> or <c>StreamAsync</c> is canceled after the prediction was created, the
    /// SDK also cancels the prediction on the server so nobody pays for abandoned work (default <see langword="true"/>).
    /// </summary>
    public bool CancelOnAbandon { get; set; } = true;

    /// <summary>
    /// Gets or sets whether to check an untyped input against the model version's schema before anything is sent
    /// (default <see langword="false"/>). The schema is fetched once per version (<c>GET /models/{owner}/{name}</c> or
    /// its <c>versions/{id}</c>) and cached by the client; a bad input throws <see cref="InputValidationException"/>
    /// naming every field, as typed models do. Needs <c>owner/name</c> or <c>owner/name:version</c>.
    /// </summary>
    public bool ValidateInput { get; set; }

    /// <summary>
    /// Gets or sets how file values in the input (<see cref="FileInfo"/>, <see cref="Stream"/>, bytes) are sent: uploaded
    /// or inlined as <c>data:</c> URIs. <see langword="null"/> uses <see cref="ReplicateClientOptions.FileEncodingStrategy"/>.
    /// </summary>
    public FileEncodingStrategy? FileEncodingStrategy { get; set; }

    internal void Validate()
    {
        if (Wait is { } wait && (wait < TimeSpan.Zero || wait > TimeSpan.FromSeconds(60)))
        {
            throw new ArgumentOutOfRangeException(nameof(Wait), wait, "Wait must be between 0 and 60 seconds: the server holds a create request for at most 60 s.");
        }

        if (CancelAfter is { } cancelAfter && cancelAfter < TimeSpan.FromSeconds(5))
        {
            throw new ArgumentOutOfRangeException(nameof(CancelAfter), cancelAfter, "CancelAfter must be at least 5 seconds.");
        }

        ValidateWebhook(Webhook, nameof(Webhook));
    }

    /// <summary>Requires HTTPS, or HTTP to a loopback address for local testing; shared with trainings.</summary>
    internal static void ValidateWebhook(Uri? webhook, string paramName)
    {
        if (webhook is not null && !IsAcceptableWebhook(webhook))
        {
            throw new ArgumentException($"Webhook '{webhook}' must be an absolute HTTPS URL (Replicate delivers only to HTTPS; HTTP is allowed for loopback addresses in tests).", paramName);
        }
    }

    private static bool IsAcceptableWebhook(Uri webhook) =>
        webhook.IsAbsoluteUri
        && (webhook.Scheme == Uri.UriSchemeHttps || (webhook.Scheme == Uri.UriSchemeHttp && webhook.IsLoopback));
}
