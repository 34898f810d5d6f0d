using System.Text.Json.Nodes;

namespace Replicate.Testing;

/// <summary>Optional settings for a model registered with <see cref="ReplicateEmulator.AddModel"/>.</summary>
public sealed class EmulatorModelOptions
{
    /// <summary>
    /// The model's only version id: 64 hexadecimal characters. Defaults to the lowercase hex SHA-256 of the
    /// model name, so that the id is stable across runs and tests can hard-code it.
    /// </summary>
    public string? VersionId { get; set; }

    /// <summary>
    /// The version's <c>openapi_schema</c>. Defaults to a minimal Cog schema with <c>Input</c> and <c>Output</c>
    /// components. When <c>components.schemas.Input</c> lists <c>required</c> properties or simple property
    /// types, the emulator validates prediction inputs against them and answers 422 like Replicate does.
    /// </summary>
    public JsonNode? OpenApiSchema { get; set; }

    /// <summary>The model's description in the model object.</summary>
    public string? Description { get; set; }

    /// <summary>
    /// The model's README (Markdown), served by <c>GET /models/{owner}/{name}/readme</c>; <see langword="null"/> answers
    /// that endpoint with 404, as Replicate does for a model without one.
    /// </summary>
    public string? Readme { get; set; }

    /// <summary>
    /// Whether the model is public. Private models are listed and searched only when their owner is
    /// <see cref="ReplicateEmulatorOptions.AccountUsername"/>, and only such models can be deleted.
    /// </summary>
    public bool IsPublic { get; set; } = true;

    /// <summary>
    /// Whether the model is official. Official models report <c>"version": "hidden"</c> for predictions created
    /// through the models endpoint, and may be run by <c>owner/name</c> on <c>POST /predictions</c>.
    /// </summary>
    public bool IsOfficial { get; set; } = true;

    /// <summary>Whether predictions of this model carry <c>urls.stream</c> (server-sent events).</summary>
    public bool SupportsStreaming { get; set; } = true;

    /// <summary>
    /// How long a prediction stays <c>starting</c> (a simulated queue or cold boot) before the handler runs,
    /// measured on <see cref="ReplicateEmulatorOptions.TimeProvider"/>.
    /// </summary>
    public TimeSpan StartDelay { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Makes the model trainable (<c>POST /models/{owner}/{name}/versions/{id}/trainings</c>): the training runs this
    /// handler with its input (log, delay and observe cancellation through the context, as a model does) and it returns
    /// the weights URL (<c>output.weights</c>); <see langword="null"/> publishes a small placeholder weights file. On
    /// success the destination model gets a new version that runs this model's handler. <see langword="null"/> (the
    /// default) answers trainings with 422, as for a model that has no <c>train()</c>.
    /// </summary>
    public EmulatorModelHandler? Trainer { get; set; }
}
