namespace Replicate;

/// <summary>Options for <c>ReplicateClient.RunBatchAsync</c>: concurrency, order, journal, rate limits and progress.</summary>
public sealed class BatchOptions
{
    /// <summary>Gets or sets how many items run at once: created and not yet finished (default 16).</summary>
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>
    /// Gets or sets whether results come in input order (default <see langword="false"/>: in completion order). In input
    /// order, an item that takes long holds back the results after it; at most <see cref="MaxConcurrency"/> × 4 items are
    /// started past the oldest unfinished one, so memory stays bounded.
    /// </summary>
    public bool PreserveOrder { get; set; }

    /// <summary>
    /// Gets or sets the path of the batch's journal (default <see langword="null"/>: none). With a journal, each item is
    /// recorded (flushed to disk with <c>fsync</c>) before its create is sent, then its prediction id and final state;
    /// running the same batch again with the same journal after a crash reports finished items from the journal, waits
    /// for items whose prediction is known, finds the predictions of items whose create may or may not have reached the
    /// server (<c>GET /predictions?created_after=</c>, same model and input), and creates only what is left. A journal of
    /// another model or other inputs is refused with <see cref="BatchJournalException"/>.
    /// </summary>
    public string? JournalPath { get; set; }

    /// <summary>
    /// Gets or sets the batch's rate limits. <see langword="null"/> uses <see cref="ReplicateClientOptions.RateLimits"/>
    /// when the client has them (one budget for everything the client does), else Replicate's account limits
    /// (<c>new RateLimitOptions()</c>: 600 creates and 3,000 other requests a minute) for this batch's requests.
    /// </summary>
    public RateLimitOptions? RateLimits { get; set; }

    /// <summary>
    /// Gets or sets how each prediction is created: <see cref="PredictionOptions.Wait"/> (sync mode; <see langword="null"/>
    /// uses <see cref="ReplicateClientOptions.Wait"/>, <see cref="TimeSpan.Zero"/> creates and polls),
    /// <see cref="PredictionOptions.Webhook"/> (created with the webhook; completed through <see cref="WebhookCompletions"/>, or polled), <see cref="PredictionOptions.CancelAfter"/>,
    /// <see cref="PredictionOptions.ValidateInput"/>, <see cref="PredictionOptions.FileEncodingStrategy"/>, and
    /// <see cref="PredictionOptions.CancelOnAbandon"/>: whether canceling the batch cancels its running predictions on the
    /// server (default) or lets them finish.
    /// </summary>
    public PredictionOptions? Prediction { get; set; }

    /// <summary>
    /// Gets or sets where your webhook receiver reports finished predictions, so items complete as webhooks arrive rather
    /// than by polling (which continues, slowly, for any a webhook misses). Needs <see cref="PredictionOptions.Webhook"/>
    /// in <see cref="Prediction"/>; with it, the sync wait defaults to none.
    /// </summary>
    public BatchWebhookCompletions? WebhookCompletions { get; set; }

    /// <summary>Gets or sets what is told the batch's progress: after each item finishes, and at least once a second while it runs.</summary>
    public IProgress<BatchProgress>? Progress { get; set; }

    /// <summary>Gets or sets how many inputs there are, when the caller knows (streamed inputs are not counted ahead): it gives <see cref="BatchProgress.EstimatedRemaining"/>.</summary>
    public long? TotalCount { get; set; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrency, 1, nameof(MaxConcurrency));
        if (TotalCount is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(TotalCount), TotalCount, "TotalCount cannot be negative.");
        }

        if (JournalPath is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(JournalPath, nameof(JournalPath));
        }

        if (WebhookCompletions is { } hooks)
        {
            if (Prediction?.Webhook is null)
            {
                throw new ArgumentException("BatchOptions.WebhookCompletions needs BatchOptions.Prediction.Webhook: the URL of the receiver that reports to it.", nameof(WebhookCompletions));
            }

            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(hooks.FallbackPollInterval, TimeSpan.Zero, nameof(BatchWebhookCompletions.FallbackPollInterval));
        }

        RateLimits?.Validate();
        Prediction?.Validate();
    }
}
