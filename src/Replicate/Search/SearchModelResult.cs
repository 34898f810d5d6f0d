namespace Replicate;

/// <summary>A model found by <see cref="ReplicateClient.SearchAsync"/>, with why it matched.</summary>
public sealed class SearchModelResult
{
    /// <summary>Gets the model.</summary>
    public required Model Model { get; init; }

    /// <summary>Gets the search metadata: a generated description, tags and the relevance score.</summary>
    public SearchModelMetadata Metadata { get; init; } = new();

    /// <inheritdoc />
    public override string ToString() => Model.ToString();
}
