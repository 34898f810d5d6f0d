namespace Replicate;

/// <summary>
/// The changes <see cref="DeploymentsClient.UpdateAsync(string, UpdateDeploymentOptions, CancellationToken)"/> makes
/// (<c>PATCH /deployments/{owner}/{name}</c>). Only the properties you set are sent; any change makes a new release.
/// </summary>
public sealed class UpdateDeploymentOptions
{
    /// <summary>Gets or sets the id of the model version to run (64 hexadecimal characters).</summary>
    public string? Version { get; set; }

    /// <summary>Gets or sets the hardware SKU, e.g. <c>gpu-t4</c>.</summary>
    public string? Hardware { get; set; }

    /// <summary>Gets or sets the fewest instances kept running.</summary>
    public int? MinInstances { get; set; }

    /// <summary>Gets or sets the most instances to scale up to.</summary>
    public int? MaxInstances { get; set; }

    internal void Validate()
    {
        if (Version is null && Hardware is null && MinInstances is null && MaxInstances is null)
        {
            throw new ArgumentException("Set at least one property to update: an empty update would change nothing.", "options");
        }

        if (Version is not null)
        {
            OptionChecks.VersionId(Version, nameof(Version));
        }

        if (Hardware is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(Hardware, nameof(Hardware));
        }

        OptionChecks.Instances(MinInstances, nameof(MinInstances), MaxInstances, nameof(MaxInstances));
    }
}
