using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Replicate.Cli;

/// <summary>
/// Builds a model input from <c>--input-json</c> (a file, <c>-</c> for stdin, or inline JSON) and <c>key=value</c>
/// arguments. Values are coerced to the types in the model's schema (integer, number, boolean, array as <c>a,b</c>,
/// object as JSON); <c>key=@path</c> is a local file, uploaded by the SDK (<c>key=@@text</c> sends <c>@text</c>).
/// Enums, ranges and required inputs are then checked by the SDK's own validator
/// (<see cref="PredictionOptions.ValidateInput"/>), so there is one set of schema rules, not two.
/// </summary>
internal static class InputBuilder
{
    public static Dictionary<string, object?> Build(CliContext context, IReadOnlyList<string> pairs, string? inputJson, InputTypes? types)
    {
        var input = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (inputJson is not null)
        {
            foreach (var (name, value) in ReadJson(context, inputJson))
            {
                input[name] = value?.DeepClone();
            }
        }

        CheckSyntax(pairs);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = pair[..equals];
            var raw = pair[(equals + 1)..];
            if (types is not null && types.Names.Count > 0 && !types.Has(name))
            {
                throw CliException.Usage(
                    $"The model has no input '{name}'.",
                    "Its inputs are: " + string.Join(", ", types.Names) + ".");
            }

            input[name] = Coerce(name, raw, types?.TypeOf(name));
        }

        return input;
    }

    /// <summary>Checks that every argument is <c>key=value</c> (an unknown option lands here too, as an input).</summary>
    public static void CheckSyntax(IReadOnlyList<string> pairs)
    {
        foreach (var pair in pairs)
        {
            if (pair.IndexOf('=', StringComparison.Ordinal) <= 0)
            {
                throw CliException.Usage(
                    pair.StartsWith('-') ? $"Unknown option '{pair}'." : $"'{pair}' is not key=value.",
                    pair.StartsWith('-') ? "Run the command with --help to see its options." : "Pass inputs as key=value, e.g. prompt=\"a photo of a fox\" num_outputs=2.");
            }
        }
    }

    /// <summary>The value for one <c>key=value</c>, as the schema's type of that input wants it.</summary>
    internal static object? Coerce(string name, string raw, InputType? type)
    {
        if (raw.StartsWith("@@", StringComparison.Ordinal))
        {
            return JsonValue.Create(raw[1..]);
        }

        if (raw.StartsWith('@') && type?.Type != "array")
        {
            return LocalFile(name, raw[1..]);
        }

        switch (type?.Type)
        {
            case "integer":
                return long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)
                    ? JsonValue.Create(integer)
                    : throw Bad(name, raw, "an integer");
            case "number":
                return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
                    ? JsonValue.Create(number)
                    : throw Bad(name, raw, "a number");
            case "boolean":
                return raw.ToUpperInvariant() switch
                {
                    "TRUE" or "1" or "YES" => JsonValue.Create(true),
                    "FALSE" or "0" or "NO" => JsonValue.Create(false),
                    _ => throw Bad(name, raw, "true or false"),
                };
            case "array":
                if (raw.Length == 0)
                {
                    return new List<object?>();
                }

                if (raw.StartsWith('['))
                {
                    return ParseJson(name, raw);
                }

                return raw.Split(',').Select(item => Coerce(name, item, type.Items)).ToList();
            case "object":
                return ParseJson(name, raw);
            default:
                return JsonValue.Create(raw);
        }
    }

    private static JsonNode? ParseJson(string name, string raw)
    {
        try
        {
            return JsonNode.Parse(raw);
        }
        catch (JsonException ex)
        {
            throw CliException.Usage($"{name}={raw}: not valid JSON ({ex.Message}).");
        }
    }

    private static FileInfo LocalFile(string name, string path)
    {
        var file = new FileInfo(path);
        return file.Exists
            ? file
            : throw CliException.Usage($"{name}=@{path}: no such file.", "key=@path uploads a local file; write key=@@text to send text that starts with @.");
    }

    private static CliException Bad(string name, string raw, string expected) =>
        CliException.Usage($"{name}={raw}: expected {expected}.", "Run `replicate models schema MODEL` to see the inputs it takes.");

    private static JsonObject ReadJson(CliContext context, string source)
    {
        string text;
        if (source == "-")
        {
            text = context.Input.ReadToEnd();
        }
        else if (source.StartsWith('@'))
        {
            var path = source[1..];
            text = File.Exists(path) ? File.ReadAllText(path) : throw CliException.Usage($"--input-json @{path}: no such file.");
        }
        else
        {
            text = source;
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text);
        }
        catch (JsonException ex)
        {
            throw CliException.Usage("--input-json is not valid JSON: " + ex.Message, "Pass a JSON object: --input-json @input.json, --input-json - (stdin), or --input-json '{\"prompt\":\"hi\"}'.");
        }

        return node as JsonObject ?? throw CliException.Usage("--input-json must be a JSON object, such as {\"prompt\": \"hi\"}.");
    }
}

/// <summary>An input's type in the schema: <c>string</c>, <c>integer</c>, <c>number</c>, <c>boolean</c>, <c>array</c> (with its items' type) or <c>object</c>.</summary>
internal sealed record InputType(string? Type, InputType? Items);

/// <summary>The input names and their types, read from a version's OpenAPI schema (<c>components.schemas.Input</c>, following <c>$ref</c>, <c>allOf</c> and <c>anyOf</c>).</summary>
internal sealed class InputTypes
{
    private readonly Dictionary<string, InputType> _types;

    private InputTypes(Dictionary<string, InputType> types, IReadOnlyList<string> names)
    {
        _types = types;
        Names = names;
    }

    /// <summary>The inputs, in <c>x-order</c>.</summary>
    public IReadOnlyList<string> Names { get; }

    public bool Has(string name) => _types.ContainsKey(name);

    public InputType? TypeOf(string name) => _types.GetValueOrDefault(name);

    /// <summary>Reads the types of component <paramref name="component"/> (<c>Input</c>, or <c>TrainingInput</c>), or null when the schema has none.</summary>
    public static InputTypes? From(JsonElement? openApiSchema, string component = "Input")
    {
        if (openApiSchema is not { ValueKind: JsonValueKind.Object } schema
            || !schema.TryGetProperty("components", out var components)
            || !components.TryGetProperty("schemas", out var schemas)
            || schemas.ValueKind != JsonValueKind.Object
            || !schemas.TryGetProperty(component, out var input)
            || !input.TryGetProperty("properties", out var properties)
            || properties.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var types = new Dictionary<string, InputType>(StringComparer.Ordinal);
        var order = new List<(string Name, double Order)>();
        foreach (var property in properties.EnumerateObject())
        {
            types[property.Name] = Read(property.Value, schemas, 0);
            var position = property.Value.ValueKind == JsonValueKind.Object && property.Value.TryGetProperty("x-order", out var x) && x.ValueKind == JsonValueKind.Number
                ? x.GetDouble()
                : double.MaxValue;
            order.Add((property.Name, position));
        }

        return new InputTypes(types, [.. order.OrderBy(o => o.Order).Select(o => o.Name)]);
    }

    private static InputType Read(JsonElement schema, JsonElement schemas, int depth)
    {
        if (schema.ValueKind != JsonValueKind.Object || depth > 16)
        {
            return new InputType(null, null);
        }

        if (schema.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String)
        {
            var items = type.GetString() == "array" && schema.TryGetProperty("items", out var itemSchema) ? Read(itemSchema, schemas, depth + 1) : null;
            return new InputType(type.GetString(), items);
        }

        if (schema.TryGetProperty("$ref", out var reference) && reference.GetString() is { } target
            && target.StartsWith("#/components/schemas/", StringComparison.Ordinal)
            && schemas.TryGetProperty(target["#/components/schemas/".Length..], out var referenced))
        {
            return Read(referenced, schemas, depth + 1);
        }

        foreach (var combinator in (string[])["allOf", "anyOf", "oneOf"])
        {
            if (schema.TryGetProperty(combinator, out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var member in list.EnumerateArray())
                {
                    var read = Read(member, schemas, depth + 1);
                    if (read.Type is not null and not "null")
                    {
                        return read;
                    }
                }
            }
        }

        return new InputType(null, null);
    }
}
