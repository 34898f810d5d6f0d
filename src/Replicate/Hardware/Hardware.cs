namespace Replicate;

/// <summary>A kind of hardware models and deployments can run on (<c>GET /hardware</c>).</summary>
public sealed class Hardware
{
    /// <summary>Gets the display name, e.g. <c>Nvidia T4 GPU</c>.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Gets the identifier to pass as <c>hardware</c> when creating a model or deployment, e.g. <c>gpu-t4</c>.</summary>
    public string Sku { get; init; } = string.Empty;

    /// <inheritdoc />
    public override string ToString() => Sku;
}
