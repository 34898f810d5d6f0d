namespace Replicate;

/// <summary>What a succeeded training produced.</summary>
public sealed class TrainingOutput
{
    /// <summary>
    /// Gets the new version pushed to the destination model, as the API reports it (in practice
    /// <c>owner/name:version</c>, which <see cref="ModelIdentifier.Parse(string)"/> reads and <c>RunAsync</c> runs).
    /// </summary>
    public string? Version { get; init; }

    /// <summary>Gets the URL of the trained weights.</summary>
    public string? Weights { get; init; }
}
