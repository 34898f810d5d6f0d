using System.Diagnostics.CodeAnalysis;

namespace Replicate;

/// <summary>A collection found by <see cref="ReplicateClient.SearchAsync"/>.</summary>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "Replicate calls these collections; the type is not a .NET collection.")]
public sealed class SearchCollection
{
    /// <summary>Gets the collection's name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Gets the collection's slug; pass it to <see cref="CollectionsClient.GetAsync"/> for the full collection.</summary>
    public string Slug { get; init; } = string.Empty;

    /// <summary>Gets the short description.</summary>
    public string? Description { get; init; }

    /// <summary>Gets the collection's models as <c>owner/name</c>, when the server lists them.</summary>
    public IReadOnlyList<string>? Models { get; init; }

    /// <inheritdoc />
    public override string ToString() => Slug;
}
