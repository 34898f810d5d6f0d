using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Replicate.Testing.Internal;

internal enum FieldKind
{
    String,
    Integer,

    /// <summary>A JSON object (a model's <c>input</c>).</summary>
    Object,

    /// <summary>An array of strings, each one of <see cref="FieldRule.OneOf"/> when given (<c>webhook_events_filter</c>).</summary>
    StringArray,
}

/// <summary>One property a JSON request body may carry: its type, whether it is required, and its allowed values.</summary>
internal sealed record FieldRule(string Name, FieldKind Kind, bool Required = false, string[]? OneOf = null, int Minimum = int.MinValue, int Maximum = int.MaxValue);

/// <summary>A schema failure, as Replicate reports it in <c>invalid_fields</c>.</summary>
internal sealed record ValidationProblem(string Type, string Field, string Description);

/// <summary>
/// Reads JSON request bodies the way the API checks them against the spec's request schemas: an object, only known
/// properties, the right types (no <c>null</c> for optional fields), required ones present; failures answer 422.
/// </summary>
internal static class JsonBody
{
    /// <summary>Parses and checks a body; on failure writes the 400/422 response and returns null.</summary>
    public static async Task<JsonElement?> ReadAsync(HttpContext context, byte[] body, params FieldRule[] rules)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(body);
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            await HttpResponses.WriteProblemAsync(
                context, StatusCodes.Status400BadRequest, "Bad request", "The request body is not valid JSON: " + ex.Message).ConfigureAwait(false);
            return null;
        }

        if (Check(root, rules) is { } problem)
        {
            await ProblemAsync(context, problem).ConfigureAwait(false);
            return null;
        }

        return root;
    }

    /// <summary>
    /// 422 in the shape Replicate uses for schema failures: a detail naming the field, plus an
    /// <c>invalid_fields</c> list (an extension member clients must tolerate).
    /// </summary>
    public static Task ProblemAsync(HttpContext context, ValidationProblem problem) =>
        HttpResponses.WriteProblemAsync(
            context,
            StatusCodes.Status422UnprocessableEntity,
            "Input validation failed",
            problem.Field + ": " + problem.Description,
            writer =>
            {
                writer.WriteStartArray("invalid_fields");
                writer.WriteStartObject();
                writer.WriteString("type", problem.Type);
                writer.WriteString("field", problem.Field);
                writer.WriteString("description", problem.Description);
                writer.WriteEndObject();
                writer.WriteEndArray();
            });

    public static ValidationProblem TypeProblem(string field, string expected, JsonElement value) =>
        new("invalid_type", field, "Invalid type. Expected: " + expected + ", given: " + Kind(value));

    /// <summary>The JSON Schema name of a value's type, as validation messages use it.</summary>
    public static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => value.TryGetInt64(out _) ? "integer" : "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };

    /// <summary>A string property of a checked body, or null when it is absent.</summary>
    public static string? String(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) ? value.GetString() : null;

    /// <summary>An integer property of a checked body, or null when it is absent.</summary>
    public static int? Integer(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) ? value.GetInt32() : null;

    private static ValidationProblem? Check(JsonElement root, FieldRule[] rules)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return TypeProblem("(root)", "object", root);
        }

        foreach (var property in root.EnumerateObject())
        {
            if (Array.Find(rules, r => r.Name == property.Name) is not { } rule)
            {
                return new ValidationProblem("additional_property_not_allowed", "(root)", "Additional property " + property.Name + " is not allowed");
            }

            if (CheckValue(rule, property.Value) is { } problem)
            {
                return problem;
            }
        }

        foreach (var rule in rules)
        {
            if (rule.Required && !root.TryGetProperty(rule.Name, out _))
            {
                return new ValidationProblem("required", "(root)", rule.Name + " is required");
            }
        }

        return null;
    }

    private static ValidationProblem? CheckValue(FieldRule rule, JsonElement value)
    {
        switch (rule.Kind)
        {
            case FieldKind.String when value.ValueKind != JsonValueKind.String:
                return TypeProblem(rule.Name, "string", value);
            case FieldKind.String when rule.OneOf is { } allowed && !allowed.Contains(value.GetString(), StringComparer.Ordinal):
                return new ValidationProblem(
                    "enum", rule.Name, rule.Name + " must be one of the following: " + string.Join(", ", allowed.Select(a => "\"" + a + "\"")));
            case FieldKind.Integer when value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out _):
                return TypeProblem(rule.Name, "integer", value);
            case FieldKind.Integer when value.GetInt32() < rule.Minimum:
                return new ValidationProblem(
                    "number_gte", rule.Name, "Must be greater than or equal to " + rule.Minimum.ToString(CultureInfo.InvariantCulture));
            case FieldKind.Integer when value.GetInt32() > rule.Maximum:
                return new ValidationProblem(
                    "number_lte", rule.Name, "Must be less than or equal to " + rule.Maximum.ToString(CultureInfo.InvariantCulture));
            case FieldKind.Object when value.ValueKind != JsonValueKind.Object:
                return TypeProblem(rule.Name, "object", value);
            case FieldKind.StringArray when value.ValueKind != JsonValueKind.Array:
                return TypeProblem(rule.Name, "array", value);
            case FieldKind.StringArray:
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (CheckValue(rule with { Name = rule.Name + "." + index.ToString(CultureInfo.InvariantCulture), Kind = FieldKind.String }, item) is { } problem)
                    {
                        return problem;
                    }

                    index++;
                }

                return null;
            default:
                return null;
        }
    }
}
