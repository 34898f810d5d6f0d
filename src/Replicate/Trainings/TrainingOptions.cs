namespace Replicate;

/// <summary>Options for creating a training.</summary>
public sealed class TrainingOptions
{
    /// <summary>
    /// Gets or sets the HTTPS URL Replicate POSTs the training to as it changes (plain HTTP is accepted only for loopback
    /// addresses, for local testing). Check deliveries with <see cref="WebhookSignature"/>.
    /// </summary>
    public Uri? Webhook { get; set; }

    /// <summary>Gets or sets which events trigger a webhook delivery; the server default is output and completion.</summary>
    public IReadOnlyList<WebhookEventType>? WebhookEventsFilter { get; set; }

    /// <summary>
    /// Gets or sets how file values in the input (training data as a <see cref="FileInfo"/>, say) are sent.
    /// <see langword="null"/> uses <see cref="ReplicateClientOptions.FileEncodingStrategy"/>.
    /// </summary>
    public FileEncodingStrategy? FileEncodingStrategy { get; set; }

    internal void Validate() => PredictionOptions.ValidateWebhook(Webhook, nameof(Webhook));
}
