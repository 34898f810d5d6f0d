namespace Replicate;

/// <summary>The hardware and scaling of a deployment release.</summary>
public sealed class DeploymentConfiguration
{
    /// <summary>Gets the hardware SKU, e.g. <c>gpu-t4</c> (see <see cref="HardwareClient.ListAsync"/>).</summary>
    public string? Hardware { get; init; }

    /// <summary>Gets the fewest instances kept running (0 scales to zero when idle).</summary>
    public int MinInstances { get; init; }

    /// <summary>Gets the most instances the deployment scales up to.</summary>
    public int MaxInstances { get; init; }
}
