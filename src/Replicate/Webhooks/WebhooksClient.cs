namespace Replicate;

/// <summary>
/// The account's webhook settings. Reach it through <see cref="ReplicateClient.Webhooks"/>; verify deliveries with
/// <see cref="WebhookSignature"/> (or <see cref="ReplicateWebhook"/>, which also reads the payload).
/// </summary>
public class WebhooksClient
{
    private readonly ReplicateTransport _transport;
    private readonly object _gate = new();
    private Task<WebhookSecret>? _secret;

    /// <summary>Initializes a new instance for mocking.</summary>
    protected WebhooksClient()
    {
        _transport = null!;
    }

    internal WebhooksClient(ReplicateTransport transport)
    {
        _transport = transport;
    }

    /// <summary>
    /// Gets the secret that signs the account's webhook deliveries. It is per account and rarely changes, so the first
    /// successful answer is cached for the life of this client (Replicate recommends caching it). Concurrent first
    /// callers share one request; a failed request is not cached.
    /// </summary>
    /// <remarks><c>GET /webhooks/default/secret</c>.</remarks>
    /// <param name="cancellationToken">Stops this caller's wait. The shared request itself is bounded by <see cref="ReplicateClientOptions.RequestTimeout"/>, so one caller's cancellation cannot fail the others.</param>
    /// <returns>The secret.</returns>
    public virtual Task<WebhookSecret> GetDefaultSecretAsync(CancellationToken cancellationToken = default)
    {
        Task<WebhookSecret> secret;
        lock (_gate)
        {
            if (_secret is null || _secret.IsFaulted || _secret.IsCanceled)
            {
                _secret = _transport.GetAsync(_transport.Resolve("webhooks/default/secret"), ReplicateJsonContext.Default.WebhookSecret, CancellationToken.None).AsTask();
            }

            secret = _secret;
        }

        return secret.IsCompletedSuccessfully ? secret : secret.WaitAsync(cancellationToken);
    }
}
