namespace Replicate;

/// <summary>A documentation page found by <see cref="ReplicateClient.SearchAsync"/>.</summary>
public sealed class SearchPage
{
    /// <summary>Gets the page's title.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Gets the page's address, as the server sent it (it may be relative to replicate.com).</summary>
    public string Href { get; init; } = string.Empty;

    /// <inheritdoc />
    public override string ToString() => Href;
}
