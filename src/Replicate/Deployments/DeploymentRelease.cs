namespace Replicate;

/// <summary>One release of a deployment. Every change to a deployment makes a new release with the next <see cref="Number"/>.</summary>
public sealed class DeploymentRelease
{
    /// <summary>Gets the release number, counting from 1.</summary>
    public int Number { get; init; }

    /// <summary>Gets the model the release runs, as <c>owner/name</c>.</summary>
    public string? Model { get; init; }

    /// <summary>Gets the id of the model version the release runs.</summary>
    public string? Version { get; init; }

    /// <summary>Gets when the release was made.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Gets the account that made the release.</summary>
    public Account? CreatedBy { get; init; }

    /// <summary>Gets the hardware and scaling of the release.</summary>
    public DeploymentConfiguration? Configuration { get; init; }
}
