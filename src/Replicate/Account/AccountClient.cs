namespace Replicate;

/// <summary>Reads the account the API token belongs to. Reach it through <see cref="ReplicateClient.Account"/>.</summary>
public class AccountClient
{
    private readonly ReplicateTransport _transport;

    /// <summary>Initializes a new instance for mocking.</summary>
    protected AccountClient()
    {
        _transport = null!;
    }

    internal AccountClient(ReplicateTransport transport)
    {
        _transport = transport;
    }

    /// <summary>Gets the account that owns the API token: a quick way to check a token works.</summary>
    /// <remarks><c>GET /account</c>.</remarks>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The account.</returns>
    /// <exception cref="ReplicateApiException">401 when the token is invalid.</exception>
    public virtual Task<Account> GetAsync(CancellationToken cancellationToken = default) =>
        _transport.GetAsync(_transport.Resolve("account"), ReplicateJsonContext.Default.Account, cancellationToken).AsTask();
}
