using Replicate;

namespace Webhooks;

/// <summary>
/// The account's webhook signing secret: <c>Replicate:WebhookSecret</c> from configuration when set, else fetched once
/// from the API (<c>GET /webhooks/default/secret</c>) and kept, as Replicate recommends; a failed fetch is tried again
/// on the next delivery.
/// </summary>
public sealed class WebhookSecretSource
{
    private readonly IServiceScopeFactory _scopes;
    private readonly object _gate = new();
    private Task<string>? _secret;

    /// <summary>Initializes the source.</summary>
    /// <param name="configuration">Where a configured secret is read from.</param>
    /// <param name="scopes">Resolves a <see cref="ReplicateClient"/> to fetch the secret with.</param>
    public WebhookSecretSource(IConfiguration configuration, IServiceScopeFactory scopes)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        _scopes = scopes;
        if (configuration["Replicate:WebhookSecret"] is { Length: > 0 } configured)
        {
            _secret = Task.FromResult(configured);
        }
    }

    /// <summary>Gets the secret.</summary>
    /// <param name="cancellationToken">Stops waiting for it.</param>
    /// <returns>The <c>whsec_...</c> secret.</returns>
    public Task<string> GetAsync(CancellationToken cancellationToken)
    {
        Task<string> secret;
        lock (_gate)
        {
            if (_secret is null || _secret.IsFaulted || _secret.IsCanceled)
            {
                _secret = FetchAsync();
            }

            secret = _secret;
        }

        return secret.WaitAsync(cancellationToken);
    }

    private async Task<string> FetchAsync()
    {
        using var scope = _scopes.CreateScope();
        var replicate = scope.ServiceProvider.GetRequiredService<ReplicateClient>();
        return (await replicate.Webhooks.GetDefaultSecretAsync()).Key;
    }
}
