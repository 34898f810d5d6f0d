namespace Replicate;

/// <summary>What <see cref="ReplicateClient.SearchAsync"/> found: models (with relevance metadata), collections and documentation pages.</summary>
public sealed class SearchResult
{
    /// <summary>Gets the search text, as the server read it.</summary>
    public string Query { get; init; } = string.Empty;

    /// <summary>Gets the matching models, best first.</summary>
    public IReadOnlyList<SearchModelResult> Models { get; init; } = [];

    /// <summary>Gets the matching collections.</summary>
    public IReadOnlyList<SearchCollection> Collections { get; init; } = [];

    /// <summary>Gets the matching documentation pages.</summary>
    public IReadOnlyList<SearchPage> Pages { get; init; } = [];
}
