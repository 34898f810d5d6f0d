namespace Replicate;

/// <summary>Search metadata of a model: what the search index knows about it beyond the model object.</summary>
public sealed class SearchModelMetadata
{
    /// <summary>Gets a description generated for the search index.</summary>
    public string? GeneratedDescription { get; init; }

    /// <summary>Gets the model's tags.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Gets the relevance score (higher is better), when the server gives one.</summary>
    public double? Score { get; init; }
}
