using System.Diagnostics.CodeAnalysis;

namespace Replicate;

/// <summary>A curated collection of models (<c>GET /collections/{slug}</c>).</summary>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "Replicate calls these collections; the type is not a .NET collection.")]
public sealed class Collection
{
    /// <summary>Gets the collection's name, e.g. <c>Super resolution</c>.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Gets the collection's identifier in URLs, e.g. <c>super-resolution</c>.</summary>
    public string Slug { get; init; } = string.Empty;

    /// <summary>Gets the short description.</summary>
    public string? Description { get; init; }

    /// <summary>Gets the long description, in Markdown.</summary>
    public string? FullDescription { get; init; }

    /// <summary>Gets the models in the collection.</summary>
    public IReadOnlyList<Model> Models { get; init; } = [];

    /// <inheritdoc />
    public override string ToString() => Slug;
}
