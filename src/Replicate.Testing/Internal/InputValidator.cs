using System.Globalization;
using System.Text.Json;

namespace Replicate.Testing.Internal;

/// <summary>
/// The subset of a Cog input schema the emulator enforces (required properties, simple types, enums, numeric
/// bounds), so that a client sending a wrong input gets the same 422 it would get from Replicate instead of a
/// passing test. Anything more elaborate in a schema (refs, allOf) is ignored rather than guessed at.
/// </summary>
internal sealed class InputValidator
{
    private static readonly InputValidator None = new([], []);

    private readonly string[] _required;
    private readonly PropertyRule[] _properties;

    private InputValidator(string[] required, PropertyRule[] properties)
    {
        _required = required;
        _properties = properties;
    }

    public static InputValidator FromOpenApiSchema(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object
            || !schema.TryGetProperty("components", out var components) || components.ValueKind != JsonValueKind.Object
            || !components.TryGetProperty("schemas", out var schemas) || schemas.ValueKind != JsonValueKind.Object
            || !schemas.TryGetProperty("Input", out var input) || input.ValueKind != JsonValueKind.Object)
        {
            return None;
        }

        var required = new List<string>();
        if (input.TryGetProperty("required", out var requiredList) && requiredList.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in requiredList.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String)
                {
                    required.Add(item.GetString()!);
                }
            }
        }

        var rules = new List<PropertyRule>();
        if (input.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in properties.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                var p = property.Value;
                var referenced = Referenced(p, schemas);
                var type = p.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()
                    : referenced is { } r && r.TryGetProperty("type", out var rt) && rt.ValueKind == JsonValueKind.String ? rt.GetString()
                    : null;
                string[]? allowed = null;
                if ((p.TryGetProperty("enum", out var e) || (referenced is { } target && target.TryGetProperty("enum", out e))) && e.ValueKind == JsonValueKind.Array)
                {
                    allowed = [.. e.EnumerateArray().Select(x => x.GetRawText())];
                }

                double? minimum = p.TryGetProperty("minimum", out var min) && min.ValueKind == JsonValueKind.Number ? min.GetDouble() : null;
                double? maximum = p.TryGetProperty("maximum", out var max) && max.ValueKind == JsonValueKind.Number ? max.GetDouble() : null;
                rules.Add(new PropertyRule(property.Name, type, allowed, minimum, maximum));
            }
        }

        return new InputValidator([.. required], [.. rules]);
    }

    /// <summary>The component schema a property names, as Cog writes enums: <c>allOf: [{"$ref": "#/components/schemas/x"}]</c> or a bare <c>$ref</c>.</summary>
    private static JsonElement? Referenced(JsonElement property, JsonElement schemas)
    {
        var holder = property;
        if (property.TryGetProperty("allOf", out var allOf) && allOf.ValueKind == JsonValueKind.Array && allOf.GetArrayLength() == 1)
        {
            holder = allOf[0];
        }

        const string Prefix = "#/components/schemas/";
        return holder.ValueKind == JsonValueKind.Object
            && holder.TryGetProperty("$ref", out var reference) && reference.GetString() is { } text && text.StartsWith(Prefix, StringComparison.Ordinal)
            && schemas.TryGetProperty(text[Prefix.Length..], out var target) && target.ValueKind == JsonValueKind.Object
                ? target
                : null;
    }

    /// <summary>Returns the first problem with <paramref name="input"/>, worded like Replicate's 422 details, or null.</summary>
    public string? Validate(JsonElement input)
    {
        foreach (var name in _required)
        {
            if (!input.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return "input: " + name + " is required";
            }
        }

        foreach (var rule in _properties)
        {
            if (!input.TryGetProperty(rule.Name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            var problem = rule.Check(value);
            if (problem is not null)
            {
                return "input." + rule.Name + ": " + problem;
            }
        }

        return null;
    }

    private sealed record PropertyRule(string Name, string? Type, string[]? Enum, double? Minimum, double? Maximum)
    {
        public string? Check(JsonElement value)
        {
            if (Type is not null && !Matches(Type, value))
            {
                return "Invalid type. Expected: " + Type + ", given: " + Describe(value);
            }

            if (Enum is not null && !Enum.Contains(value.GetRawText(), StringComparer.Ordinal))
            {
                return "Must be one of the following: " + string.Join(", ", Enum);
            }

            if (value.ValueKind == JsonValueKind.Number)
            {
                var number = value.GetDouble();
                if (Minimum is { } min && number < min)
                {
                    return "Must be greater than or equal to " + min.ToString(CultureInfo.InvariantCulture);
                }

                if (Maximum is { } max && number > max)
                {
                    return "Must be less than or equal to " + max.ToString(CultureInfo.InvariantCulture);
                }
            }

            return null;
        }

        private static bool Matches(string type, JsonElement value) => type switch
        {
            "string" => value.ValueKind == JsonValueKind.String,
            "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
            "number" => value.ValueKind == JsonValueKind.Number,
            "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
            "array" => value.ValueKind == JsonValueKind.Array,
            "object" => value.ValueKind == JsonValueKind.Object,
            _ => true,
        };

        private static string Describe(JsonElement value) => value.ValueKind switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => value.TryGetInt64(out _) ? "integer" : "number",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Array => "array",
            JsonValueKind.Object => "object",
            _ => "null",
        };
    }
}
