namespace Replicate;

/// <summary>What <see cref="DeploymentsClient.CreateAsync"/> creates (<c>POST /deployments</c>); the owner is the token's account.</summary>
public sealed class CreateDeploymentOptions
{
    /// <summary>Gets or sets the deployment's name, unique among the account's deployments.</summary>
    public required string Name { get; set; }

    /// <summary>Gets or sets the model to run, as <c>owner/name</c>.</summary>
    public required string Model { get; set; }

    /// <summary>Gets or sets the id of the model version to run (64 hexadecimal characters).</summary>
    public required string Version { get; set; }

    /// <summary>Gets or sets the hardware SKU, e.g. <c>gpu-t4</c> (see <see cref="HardwareClient.ListAsync"/>).</summary>
    public required string Hardware { get; set; }

    /// <summary>Gets or sets the fewest instances kept running (0 scales to zero when idle; the API allows up to 5).</summary>
    public required int MinInstances { get; set; }

    /// <summary>Gets or sets the most instances to scale up to (the API allows up to 20).</summary>
    public required int MaxInstances { get; set; }

    internal void Validate()
    {
        OptionChecks.Segment(Name, nameof(Name));
        if (!ModelIdentifier.TryParse(Model, out var model) || !model.HasModel || model.Version is not null || model.IsDeployment)
        {
            throw new ArgumentException($"Model '{Model}' must be a model name, 'owner/name'; put the version id in Version.", nameof(Model));
        }

        OptionChecks.VersionId(Version, nameof(Version));
        ArgumentException.ThrowIfNullOrWhiteSpace(Hardware, nameof(Hardware));
        OptionChecks.Instances(MinInstances, nameof(MinInstances), MaxInstances, nameof(MaxInstances));
    }
}
