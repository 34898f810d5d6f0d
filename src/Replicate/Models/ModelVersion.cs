using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Replicate;

/// <summary>
/// A version of a model (<c>GET /models/{owner}/{name}/versions/{id}</c>): an immutable build whose
/// <see cref="OpenApiSchema"/> describes the input the model takes and the output it returns.
/// </summary>
[DebuggerDisplay("{Id,nq}")]
public sealed class ModelVersion
{
    /// <summary>Gets the version id (64 hexadecimal characters).</summary>
    public required string Id { get; init; }

    /// <summary>Gets when the version was pushed.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Gets the version of Cog the model was built with.</summary>
    public string? CogVersion { get; init; }

    /// <summary>
    /// Gets the OpenAPI document Cog generated for the version; the model's input and output schemas are
    /// <c>components.schemas.Input</c> and <c>components.schemas.Output</c> (see <see cref="GetInputSchema"/>).
    /// </summary>
    [JsonPropertyName("openapi_schema")]
    public JsonElement? OpenApiSchema { get; init; }

    /// <summary>
    /// Gets whether the output is an iterator (<c>x-cog-array-type: iterator</c>): the model yields pieces while it runs,
    /// so the output array grows and can be streamed or polled piece by piece.
    /// </summary>
    [JsonIgnore]
    public bool IsIteratorOutput => OutputAnnotation("x-cog-array-type") == "iterator";

    /// <summary>
    /// Gets whether the output pieces are meant to be joined into one text (<c>x-cog-array-display: concatenate</c>),
    /// as language models' tokens are.
    /// </summary>
    [JsonIgnore]
    public bool IsConcatenateOutput => OutputAnnotation("x-cog-array-display") == "concatenate";

    /// <summary>Gets the JSON schema of the model's input (<c>components.schemas.Input</c>).</summary>
    /// <returns>The schema, or <see langword="null"/> when the version has none.</returns>
    public JsonElement? GetInputSchema() => ComponentSchema("Input");

    /// <summary>Gets the JSON schema of the model's output (<c>components.schemas.Output</c>).</summary>
    /// <returns>The schema, or <see langword="null"/> when the version has none.</returns>
    public JsonElement? GetOutputSchema() => ComponentSchema("Output");

    /// <inheritdoc />
    public override string ToString() => Id;

    private JsonElement? ComponentSchema(string name) =>
        OpenApiSchema is { ValueKind: JsonValueKind.Object } document
        && document.TryGetProperty("components", out var components) && components.ValueKind == JsonValueKind.Object
        && components.TryGetProperty("schemas", out var schemas) && schemas.ValueKind == JsonValueKind.Object
        && schemas.TryGetProperty(name, out var schema)
            ? schema
            : null;

    private string? OutputAnnotation(string name) =>
        GetOutputSchema() is { ValueKind: JsonValueKind.Object } output
        && output.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
