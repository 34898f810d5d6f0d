namespace Replicate;

/// <summary>A collection as <c>GET /collections</c> lists it, without its models; get them with <see cref="CollectionsClient.GetAsync"/>.</summary>
public sealed class CollectionSummary
{
    /// <summary>Gets the collection's name, e.g. <c>Super resolution</c>.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Gets the collection's identifier in URLs, e.g. <c>super-resolution</c>.</summary>
    public string Slug { get; init; } = string.Empty;

    /// <summary>Gets the short description.</summary>
    public string? Description { get; init; }

    /// <inheritdoc />
    public override string ToString() => Slug;
}
