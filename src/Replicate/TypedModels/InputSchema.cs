using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Replicate;

/// <summary>
/// The rules of a model's input schema (Cog's OpenAPI <c>Input</c>: required, type, enum, minimum/maximum, string length
/// and pattern), checked against the JSON an input becomes, before anything is sent. One implementation for typed inputs
/// (the schema the generator embedded) and untyped ones (a version's schema fetched from the API).
/// </summary>
internal sealed class InputSchema
{
    private static readonly TimeSpan PatternTimeout = TimeSpan.FromSeconds(1);
    private readonly Dictionary<string, Rule> _properties;
    private readonly string[] _required;

    private InputSchema(string model, Dictionary<string, Rule> properties, string[] required)
    {
        Model = model;
        _properties = properties;
        _required = required;
    }

    public string Model { get; }

    /// <summary>Parses <c>{"Input": {...}, "OtherSchema": {...}}</c>: the Input schema and the component schemas it references.</summary>
    public static InputSchema Parse(string schemas, string model)
    {
        using var document = JsonDocument.Parse(schemas);
        var root = document.RootElement;
        if (!root.TryGetProperty("Input", out var input) || input.ValueKind != JsonValueKind.Object)
        {
            throw new ReplicateException($"The input schema of {model} has no Input object.");
        }

        var properties = new Dictionary<string, Rule>(StringComparer.Ordinal);
        if (input.TryGetProperty("properties", out var members) && members.ValueKind == JsonValueKind.Object)
        {
            foreach (var member in members.EnumerateObject())
            {
                properties[member.Name] = Rule.Read(member.Value, root, 0);
            }
        }

        var required = input.TryGetProperty("required", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.String).Select(i => i.GetString()!).ToArray()
            : [];
        return new InputSchema(model, properties, required);
    }

    /// <summary>Throws <see cref="InputValidationException"/> naming every violation in <paramref name="input"/>, if any.</summary>
    public void Validate(ReadOnlySpan<byte> input)
    {
        var reader = new Utf8JsonReader(input);
        using var document = JsonDocument.ParseValue(ref reader);
        var violations = new List<InputViolation>();
        var root = document.RootElement;
        foreach (var name in _required)
        {
            if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                violations.Add(new InputViolation(name, null, "required", $"{name} is required"));
            }
        }

        foreach (var property in root.EnumerateObject())
        {
            if (_properties.TryGetValue(property.Name, out var rule))
            {
                rule.Check(property.Name, property.Value, violations);
            }
        }

        if (violations.Count > 0)
        {
            throw new InputValidationException(Model, violations);
        }
    }

    /// <summary>What one value must be.</summary>
    private sealed class Rule
    {
        private string? _type;
        private List<JsonElement>? _enum;
        private string?[]? _enumStrings;
        private double?[]? _enumNumbers;
        private double? _minimum;
        private double? _maximum;
        private int? _minLength;
        private int? _maxLength;
        private Regex? _pattern;
        private string? _patternText;
        private Rule? _items;
        private bool _nullable;

        public static Rule Read(JsonElement schema, JsonElement schemas, int depth)
        {
            var rule = new Rule();
            rule.Merge(schema, schemas, depth);
            return rule;
        }

        private void Merge(JsonElement schema, JsonElement schemas, int depth)
        {
            if (schema.ValueKind != JsonValueKind.Object || depth > 16)
            {
                return;
            }

            if (schema.TryGetProperty("$ref", out var reference) && reference.GetString() is { } target
                && target.StartsWith("#/components/schemas/", StringComparison.Ordinal)
                && schemas.TryGetProperty(target["#/components/schemas/".Length..], out var resolved))
            {
                Merge(resolved, schemas, depth + 1);
            }

            if (schema.TryGetProperty("allOf", out var allOf) && allOf.ValueKind == JsonValueKind.Array)
            {
                foreach (var part in allOf.EnumerateArray())
                {
                    Merge(part, schemas, depth + 1);
                }
            }

            foreach (var keyword in (ReadOnlySpan<string>)["anyOf", "oneOf"])
            {
                if (schema.TryGetProperty(keyword, out var choices) && choices.ValueKind == JsonValueKind.Array)
                {
                    var notNull = choices.EnumerateArray().Where(c => !(c.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "null")).ToList();
                    _nullable |= notNull.Count < choices.GetArrayLength();
                    if (notNull.Count == 1)
                    {
                        Merge(notNull[0], schemas, depth + 1);
                    }
                }
            }

            if (schema.TryGetProperty("type", out var type))
            {
                if (type.ValueKind == JsonValueKind.String)
                {
                    _type = type.GetString();
                }
                else if (type.ValueKind == JsonValueKind.Array)
                {
                    var types = type.EnumerateArray().Select(t => t.GetString()).ToList();
                    _nullable |= types.Contains("null");
                    _type = types.Count(t => t != "null") == 1 ? types.First(t => t != "null") : null;
                }
            }

            _nullable |= schema.TryGetProperty("nullable", out var nullable) && nullable.ValueKind == JsonValueKind.True;
            if (schema.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array)
            {
                _enum = values.EnumerateArray().Select(v => v.Clone()).ToList();

                // Compared without allocating: strings by ValueEquals, numbers by value.
                _enumStrings = [.. _enum.Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : null)];
                _enumNumbers = [.. _enum.Select(v => v.ValueKind == JsonValueKind.Number ? v.GetDouble() : (double?)null)];
            }

            _minimum = Number(schema, "minimum") ?? _minimum;
            _maximum = Number(schema, "maximum") ?? _maximum;
            _minLength = (int?)Number(schema, "minLength") ?? _minLength;
            _maxLength = (int?)Number(schema, "maxLength") ?? _maxLength;
            if (schema.TryGetProperty("pattern", out var pattern) && pattern.GetString() is { } text)
            {
                try
                {
                    _pattern = new Regex(text, RegexOptions.CultureInvariant, PatternTimeout);
                    _patternText = text;
                }
                catch (ArgumentException)
                {
                    // A pattern .NET cannot read is left to the server.
                }
            }

            if (schema.TryGetProperty("items", out var items))
            {
                _items = Read(items, schemas, depth + 1);
            }
        }

        private static double? Number(JsonElement schema, string name) =>
            schema.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

        public void Check(string name, JsonElement value, List<InputViolation> violations)
        {
            if (value.ValueKind == JsonValueKind.Null)
            {
                return;
            }

            var typeOk = _type switch
            {
                "string" => value.ValueKind == JsonValueKind.String,
                "integer" => value.ValueKind == JsonValueKind.Number && (value.TryGetInt64(out _) || Math.Floor(value.GetDouble()) == value.GetDouble()),
                "number" => value.ValueKind == JsonValueKind.Number,
                "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
                "array" => value.ValueKind == JsonValueKind.Array,
                "object" => value.ValueKind == JsonValueKind.Object,
                _ => true,
            };
            if (!typeOk)
            {
                var shown = Show(value);
                violations.Add(new InputViolation(name, shown, "type", $"{name} = {shown} is not of type {_type}"));
                return;
            }

            if (_enum is { Count: > 0 } && !IsListed(value))
            {
                var shown = Show(value);
                var listed = string.Join(", ", _enum.Take(12).Select(Show)) + (_enum.Count > 12 ? $", ... ({_enum.Count} values)" : string.Empty);
                violations.Add(new InputViolation(name, shown, "enum", $"{name} = {shown} is not one of {listed}"));
            }

            if (value.ValueKind == JsonValueKind.Number)
            {
                var number = value.GetDouble();
                if (number < _minimum)
                {
                    var shown = Show(value);
                    violations.Add(new InputViolation(name, shown, "minimum", $"{name} = {shown} is below the minimum {Format(_minimum.Value)}"));
                }

                if (number > _maximum)
                {
                    var shown = Show(value);
                    violations.Add(new InputViolation(name, shown, "maximum", $"{name} = {shown} is above the maximum {Format(_maximum.Value)}"));
                }
            }

            if (value.ValueKind == JsonValueKind.String && (_minLength is not null || _maxLength is not null || _pattern is not null))
            {
                var text = value.GetString()!;
                var shown = Show(value);
                if (text.Length < _minLength)
                {
                    violations.Add(new InputViolation(name, shown, "minLength", $"{name} is shorter than {_minLength} characters"));
                }

                if (text.Length > _maxLength)
                {
                    violations.Add(new InputViolation(name, shown, "maxLength", $"{name} is longer than {_maxLength} characters"));
                }

                if (_pattern is not null && !Matches(_pattern, text))
                {
                    violations.Add(new InputViolation(name, shown, "pattern", $"{name} = {shown} does not match the pattern {_patternText}"));
                }
            }

            if (value.ValueKind == JsonValueKind.Array && _items is not null)
            {
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    _items.Check(name + "[" + index.ToString(CultureInfo.InvariantCulture) + "]", item, violations);
                    index++;
                }
            }
        }

        private static bool Matches(Regex pattern, string text)
        {
            try
            {
                return pattern.IsMatch(text);
            }
            catch (RegexMatchTimeoutException)
            {
                return true;
            }
        }

        private bool IsListed(JsonElement value)
        {
            for (var i = 0; i < _enum!.Count; i++)
            {
                var matches = value.ValueKind switch
                {
                    JsonValueKind.String => _enumStrings![i] is { } text ? value.ValueEquals(text) : SameValue(_enum[i], value),
                    JsonValueKind.Number => _enumNumbers![i] is { } number ? value.GetDouble() == number : SameValue(_enum[i], value),
                    _ => SameValue(_enum[i], value),
                };
                if (matches)
                {
                    return true;
                }
            }

            return false;
        }

        private static bool SameValue(JsonElement allowed, JsonElement value) =>
            allowed.ValueKind == value.ValueKind && allowed.ValueKind switch
            {
                JsonValueKind.String => allowed.GetString() == value.GetString(),
                JsonValueKind.Number => allowed.GetDouble() == value.GetDouble(),
                _ => allowed.GetRawText() == value.GetRawText(),
            }
            || (allowed.ValueKind == JsonValueKind.String && value.ValueKind == JsonValueKind.Number && allowed.GetString() == value.GetRawText());

        private static string Show(JsonElement value)
        {
            var raw = value.GetRawText();
            return raw.Length > 80 ? raw[..77] + "..." : raw;
        }

        private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
