using System.Diagnostics;
using System.Text.Json.Serialization;

namespace Replicate;

/// <summary>
/// A model on Replicate (<c>GET /models/{owner}/{name}</c>, lists, search and collections). A plain snapshot; the
/// schema requires no field, so anything the server leaves out reads as empty or <see langword="null"/>.
/// </summary>
[DebuggerDisplay("{Owner,nq}/{Name,nq}")]
public sealed class Model
{
    /// <summary>Gets the model's page on replicate.com.</summary>
    public Uri? Url { get; init; }

    /// <summary>Gets the user or organization that owns the model.</summary>
    public string Owner { get; init; } = string.Empty;

    /// <summary>Gets the model's name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Gets the description.</summary>
    public string? Description { get; init; }

    /// <summary>Gets whether the model is public or private.</summary>
    public ModelVisibility Visibility { get; init; }

    /// <summary>Gets the model's source code repository.</summary>
    public Uri? GithubUrl { get; init; }

    /// <summary>Gets the paper the model is based on.</summary>
    public Uri? PaperUrl { get; init; }

    /// <summary>Gets the model's license.</summary>
    public Uri? LicenseUrl { get; init; }

    /// <summary>Gets how many times the model has been run.</summary>
    public long RunCount { get; init; }

    /// <summary>Gets the image shown for the model.</summary>
    public Uri? CoverImageUrl { get; init; }

    /// <summary>
    /// Gets the example prediction shown on the model's page; <see langword="null"/> when there is none, or when the server
    /// sent an empty or partial object (no <c>id</c>), which the spec allows.
    /// </summary>
    [JsonConverter(typeof(AbsentWhenIncompleteConverter<Prediction>))]
    public Prediction? DefaultExample { get; init; }

    /// <summary>
    /// Gets the newest version, with its input and output schema; <see langword="null"/> for a model with no versions, or
    /// when the server sent an empty or partial object (no <c>id</c>), which the spec allows.
    /// </summary>
    [JsonConverter(typeof(AbsentWhenIncompleteConverter<ModelVersion>))]
    public ModelVersion? LatestVersion { get; init; }

    /// <summary>Gets whether the model is official: always on, a stable API, predictable pricing, run by <c>owner/name</c>.</summary>
    public bool IsOfficial { get; init; }

    /// <summary>Gets when the model was created, where the server says (search results do).</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Returns <c>owner/name</c>.</summary>
    /// <returns>The model's full name.</returns>
    public override string ToString() => Owner + "/" + Name;
}
