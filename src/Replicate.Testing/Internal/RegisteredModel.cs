using System.Text.Json;
using System.Text.Json.Nodes;

namespace Replicate.Testing.Internal;

/// <summary>
/// Everything the server needs about one registered model. The handler, version and schema are fixed; the details
/// (<c>PATCH</c>), the version's existence (<c>DELETE</c>) and the examples change, each replaced atomically.
/// </summary>
internal sealed class RegisteredModel
{
    private readonly List<PredictionState> _examples = [];
    private long _runCount;
    private ModelDetails _details;
    private int _hasVersion;

    public RegisteredModel(
        string owner,
        string name,
        EmulatorModelHandler handler,
        EmulatorModelOptions options,
        DateTimeOffset createdAt,
        bool hasVersion = true)
    {
        Owner = owner;
        Name = name;
        FullName = owner + "/" + name;
        Handler = handler;
        VersionId = options.VersionId ?? WireFormat.Sha256Hex(FullName);
        IsOfficial = options.IsOfficial;
        SupportsStreaming = options.SupportsStreaming;
        StartDelay = options.StartDelay;
        Trainer = options.Trainer;
        CreatedAt = createdAt;
        _hasVersion = hasVersion ? 1 : 0;
        _details = new ModelDetails(options.IsPublic ? "public" : "private", options.Description, options.Readme);

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

    /// <summary>The training handler; null when the model cannot be trained.</summary>
    public EmulatorModelHandler? Trainer { get; }

    /// <summary>The details <c>POST</c> and <c>PATCH</c> set; replaced whole, so readers see one consistent set.</summary>
    public ModelDetails Details
    {
        get => Volatile.Read(ref _details);
        set => Volatile.Write(ref _details, value);
    }

    public bool IsPublic => Details.Visibility == "public";

    /// <summary>Whether the model has its one version; false for models created through the API and after a version delete.</summary>
    public bool HasVersion => Volatile.Read(ref _hasVersion) == 1;

    public DateTimeOffset CreatedAt { get; }

    public byte[] OpenApiSchemaJson { get; }

    public InputValidator InputRules { get; }

    public EmulatorModel Public { get; }

    public long RunCount => Interlocked.Read(ref _runCount);

    public void CountRun() => Interlocked.Increment(ref _runCount);

    /// <summary>Applies a change to the details atomically, so concurrent updates of different fields all land.</summary>
    public ModelDetails UpdateDetails(Func<ModelDetails, ModelDetails> change)
    {
        while (true)
        {
            var current = Details;
            var next = change(current);
            if (Interlocked.CompareExchange(ref _details, next, current) == current)
            {
                return next;
            }
        }
    }

    public void DeleteVersion() => Volatile.Write(ref _hasVersion, 0);

    public void AddExample(PredictionState example)
    {
        lock (_examples)
        {
            _examples.Add(example);
        }
    }

    public PredictionState[] ExamplesSnapshot()
    {
        lock (_examples)
        {
            return [.. _examples];
        }
    }

    /// <summary>Whether the account sees the model: public ones, and its own private ones.</summary>
    public bool IsVisibleTo(string account) => IsPublic || string.Equals(Owner, account, StringComparison.OrdinalIgnoreCase);

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

/// <summary>A model's editable details, as <c>POST /models</c> and <c>PATCH /models/{owner}/{name}</c> set them.</summary>
internal sealed record ModelDetails(
    string Visibility,
    string? Description,
    string? Readme,
    string? GithubUrl = null,
    string? PaperUrl = null,
    string? LicenseUrl = null,
    string? CoverImageUrl = null,
    string? WeightsUrl = null,
    string? Hardware = null);
