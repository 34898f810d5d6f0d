using System.Diagnostics;

namespace Replicate;

/// <summary>
/// A deployment: a private, fixed API endpoint for a model version on hardware you choose, with its own scaling
/// (<c>GET /deployments/{owner}/{name}</c>). Run it with <c>RunAsync(ModelIdentifier.Deployment(owner, name), input)</c>.
/// </summary>
[DebuggerDisplay("{Owner,nq}/{Name,nq}")]
public sealed class Deployment
{
    /// <summary>Gets the user or organization that owns the deployment.</summary>
    public string Owner { get; init; } = string.Empty;

    /// <summary>Gets the deployment's name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Gets the release that is live: what the deployment runs and how it scales.</summary>
    public DeploymentRelease? CurrentRelease { get; init; }

    /// <summary>Returns <c>owner/name</c>.</summary>
    /// <returns>The deployment's full name.</returns>
    public override string ToString() => Owner + "/" + Name;
}
