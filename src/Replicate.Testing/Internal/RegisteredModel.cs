using System.Text.Json;
using System.Text.Json.Nodes;

namespace Replicate.Testing.Internal;

/// <summary>Everything the server needs about one registered model; immutable apart from the run counter.</summary>
internal sealed class RegisteredModel
{
    private long _runCount;

    public RegisteredModel(
        string owner,
        string name,
        EmulatorModelHandler handler,
        EmulatorModelOptions options,
        DateTimeOffset createdAt)
    {
        Owner = owner;
        Name = name;
        FullName = owner + "/" + name;
        Handler = handler;
        VersionId = options.VersionId ?? WireFormat.Sha256Hex(FullName);
        IsOfficial = options.IsOfficial;
        SupportsStreaming = options.SupportsStreaming;
        StartDelay = options.StartDelay;
        Description = options.Description;
        CreatedAt = createdAt;

        // Serialized once: model and version responses copy these bytes instead of walking a node tree.
        var schema = options.OpenApiSchema ?? DefaultSchema();
        OpenApiSchemaJson = JsonSerializer.SerializeToUtf8Bytes(schema, WireFormat.SerializerOptions);
        using var document = JsonDocument.Parse(OpenApiSchemaJson);
        InputRules = InputValidator.FromOpenApiSchema(document.RootElement);
        Public = new EmulatorModel(owner, name, VersionId);
    }

    public string Owner { get; }

    public string Name { get; }

    public string FullName { get; }

    public string VersionId { get; }

    public EmulatorModelHandler Handler { get; }

    public bool IsOfficial { get; }

    public bool SupportsStreaming { get; }

    public TimeSpan StartDelay { get; }

    public string? Description { get; }

    public DateTimeOffset CreatedAt { get; }

    public byte[] OpenApiSchemaJson { get; }

    public InputValidator InputRules { get; }

    public EmulatorModel Public { get; }

    public long RunCount => Interlocked.Read(ref _runCount);

    public void CountRun() => Interlocked.Increment(ref _runCount);

    /// <summary>The smallest schema Cog would publish: an open input object and an unconstrained output.</summary>
    public static JsonObject DefaultSchema() => new()
    {
        ["openapi"] = "3.0.2",
        ["info"] = new JsonObject { ["title"] = "Cog", ["version"] = "0.1.0" },
        ["paths"] = new JsonObject(),
        ["components"] = new JsonObject
        {
            ["schemas"] = new JsonObject
            {
                ["Input"] = new JsonObject
                {
                    ["type"] = "object",
                    ["title"] = "Input",
                    ["properties"] = new JsonObject(),
                },
                ["Output"] = new JsonObject { ["title"] = "Output" },
            },
        },
    };
}
