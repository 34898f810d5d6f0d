namespace Replicate;

/// <summary>Lists the hardware models and deployments can run on. Reach it through <see cref="ReplicateClient.Hardware"/>.</summary>
public class HardwareClient
{
    private readonly ReplicateTransport _transport;

    /// <summary>Initializes a new instance for mocking.</summary>
    protected HardwareClient()
    {
        _transport = null!;
    }

    internal HardwareClient(ReplicateTransport transport)
    {
        _transport = transport;
    }

    /// <summary>Lists the available hardware; pass a <see cref="Replicate.Hardware.Sku"/> as <c>hardware</c> when creating a model or deployment.</summary>
    /// <remarks><c>GET /hardware</c> (a plain array, not a page).</remarks>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The hardware, in the server's order.</returns>
    public virtual Task<IReadOnlyList<Hardware>> ListAsync(CancellationToken cancellationToken = default) =>
        _transport.GetAsync(_transport.Resolve("hardware"), ReplicateJsonContext.Default.IReadOnlyListHardware, cancellationToken).AsTask();
}
