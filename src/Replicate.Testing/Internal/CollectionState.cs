namespace Replicate.Testing.Internal;

/// <summary>A collection of models (<c>schemas_collection_response</c>); its models are names, resolved when it is served.</summary>
internal sealed record CollectionState(
    string Slug,
    string Name,
    string Description,
    string? FullDescription,
    IReadOnlyList<string> Models,
    long Ordinal);
