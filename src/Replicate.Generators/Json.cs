using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Replicate.Generators;

/// <summary>The kinds of JSON value.</summary>
internal enum JsonKind
{
    Null,
    Boolean,
    Number,
    String,
    Array,
    Object,
}

/// <summary>
/// A parsed JSON value, just enough for schema files. The generator cannot rely on System.Text.Json inside every
/// compiler host (Visual Studio runs on .NET Framework), so it reads JSON itself. Objects keep their key order; numbers
/// keep their text, so they are written back exactly as the schema had them.
/// </summary>
internal sealed class JsonValue
{
    private static readonly List<KeyValuePair<string, JsonValue>> NoProperties = [];
    private static readonly List<JsonValue> NoItems = [];

    private JsonValue(JsonKind kind, string? text, List<KeyValuePair<string, JsonValue>>? properties, List<JsonValue>? items)
    {
        Kind = kind;
        Text = text;
        Properties = properties ?? NoProperties;
        Items = items ?? NoItems;
    }

    public JsonKind Kind { get; }

    /// <summary>Gets the string's value, the number's text, or <c>true</c>/<c>false</c>.</summary>
    public string? Text { get; }

    public IReadOnlyList<KeyValuePair<string, JsonValue>> Properties { get; }

    public IReadOnlyList<JsonValue> Items { get; }

    public bool IsObject => Kind == JsonKind.Object;

    /// <summary>The member named <paramref name="name"/> of an object, or <see langword="null"/>.</summary>
    public JsonValue? this[string name]
    {
        get
        {
            foreach (var property in Properties)
            {
                if (property.Key == name)
                {
                    return property.Value;
                }
            }

            return null;
        }
    }

    public string? StringOf(string name) => this[name] is { Kind: JsonKind.String } value ? value.Text : null;

    public bool IsTrue(string name) => this[name] is { Kind: JsonKind.Boolean, Text: "true" };

    public bool IsInteger => Kind == JsonKind.Number && long.TryParse(Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);

    /// <summary>Writes the value back as compact JSON.</summary>
    public void WriteTo(StringBuilder builder)
    {
        switch (Kind)
        {
            case JsonKind.Null:
                builder.Append("null");
                break;
            case JsonKind.Boolean:
            case JsonKind.Number:
                builder.Append(Text);
                break;
            case JsonKind.String:
                WriteString(builder, Text!);
                break;
            case JsonKind.Array:
                builder.Append('[');
                for (var i = 0; i < Items.Count; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(',');
                    }

                    Items[i].WriteTo(builder);
                }

                builder.Append(']');
                break;
            default:
                builder.Append('{');
                for (var i = 0; i < Properties.Count; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(',');
                    }

                    WriteString(builder, Properties[i].Key);
                    builder.Append(':');
                    Properties[i].Value.WriteTo(builder);
                }

                builder.Append('}');
                break;
        }
    }

    public override string ToString()
    {
        var builder = new StringBuilder();
        WriteTo(builder);
        return builder.ToString();
    }

    public static void WriteString(StringBuilder builder, string value)
    {
        builder.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        builder.Append('"');
    }

    /// <summary>Parses <paramref name="text"/>; on malformed JSON returns <see langword="null"/> with a message naming the line.</summary>
    public static JsonValue? Parse(string text, out string? error)
    {
        var reader = new Reader(text);
        try
        {
            reader.SkipWhitespace();
            var value = reader.ReadValue(0);
            reader.SkipWhitespace();
            if (!reader.AtEnd)
            {
                throw reader.Fail("unexpected text after the JSON value");
            }

            error = null;
            return value;
        }
        catch (JsonParseException ex)
        {
            error = ex.Message;
            return null;
        }
    }

    private sealed class JsonParseException(string message) : System.Exception(message);

    private sealed class Reader(string text)
    {
        private const int MaxDepth = 256;
        private int _at;

        public bool AtEnd => _at >= text.Length;

        public JsonParseException Fail(string what)
        {
            var line = 1;
            var column = 1;
            for (var i = 0; i < _at && i < text.Length; i++)
            {
                if (text[i] == '\n')
                {
                    line++;
                    column = 1;
                }
                else
                {
                    column++;
                }
            }

            return new JsonParseException($"{what} at line {line}, column {column}");
        }

        public void SkipWhitespace()
        {
            while (_at < text.Length && text[_at] is ' ' or '\t' or '\r' or '\n' or '\uFEFF')
            {
                _at++;
            }
        }

        public JsonValue ReadValue(int depth)
        {
            if (depth > MaxDepth)
            {
                throw Fail("the JSON is nested too deeply");
            }

            if (AtEnd)
            {
                throw Fail("unexpected end of the file");
            }

            switch (text[_at])
            {
                case '{': return ReadObject(depth);
                case '[': return ReadArray(depth);
                case '"': return new JsonValue(JsonKind.String, ReadString(), null, null);
                case 't': Expect("true"); return new JsonValue(JsonKind.Boolean, "true", null, null);
                case 'f': Expect("false"); return new JsonValue(JsonKind.Boolean, "false", null, null);
                case 'n': Expect("null"); return new JsonValue(JsonKind.Null, null, null, null);
                default: return ReadNumber();
            }
        }

        private void Expect(string word)
        {
            if (string.CompareOrdinal(text, _at, word, 0, word.Length) != 0)
            {
                throw Fail("invalid literal");
            }

            _at += word.Length;
        }

        private JsonValue ReadObject(int depth)
        {
            _at++;
            var properties = new List<KeyValuePair<string, JsonValue>>();
            SkipWhitespace();
            if (!AtEnd && text[_at] == '}')
            {
                _at++;
                return new JsonValue(JsonKind.Object, null, properties, null);
            }

            while (true)
            {
                SkipWhitespace();
                if (AtEnd || text[_at] != '"')
                {
                    throw Fail("expected a property name");
                }

                var name = ReadString();
                SkipWhitespace();
                if (AtEnd || text[_at] != ':')
                {
                    throw Fail("expected ':'");
                }

                _at++;
                SkipWhitespace();
                properties.Add(new KeyValuePair<string, JsonValue>(name, ReadValue(depth + 1)));
                SkipWhitespace();
                if (AtEnd)
                {
                    throw Fail("unexpected end of the file in an object");
                }

                if (text[_at] == ',')
                {
                    _at++;
                    continue;
                }

                if (text[_at] == '}')
                {
                    _at++;
                    return new JsonValue(JsonKind.Object, null, properties, null);
                }

                throw Fail("expected ',' or '}'");
            }
        }

        private JsonValue ReadArray(int depth)
        {
            _at++;
            var items = new List<JsonValue>();
            SkipWhitespace();
            if (!AtEnd && text[_at] == ']')
            {
                _at++;
                return new JsonValue(JsonKind.Array, null, null, items);
            }

            while (true)
            {
                SkipWhitespace();
                items.Add(ReadValue(depth + 1));
                SkipWhitespace();
                if (AtEnd)
                {
                    throw Fail("unexpected end of the file in an array");
                }

                if (text[_at] == ',')
                {
                    _at++;
                    continue;
                }

                if (text[_at] == ']')
                {
                    _at++;
                    return new JsonValue(JsonKind.Array, null, null, items);
                }

                throw Fail("expected ',' or ']'");
            }
        }

        private string ReadString()
        {
            _at++;
            var builder = new StringBuilder();
            while (true)
            {
                if (AtEnd)
                {
                    throw Fail("unterminated string");
                }

                var c = text[_at++];
                if (c == '"')
                {
                    return builder.ToString();
                }

                if (c != '\\')
                {
                    if (c < 0x20)
                    {
                        throw Fail("control character in a string");
                    }

                    builder.Append(c);
                    continue;
                }

                if (AtEnd)
                {
                    throw Fail("unterminated escape");
                }

                var escape = text[_at++];
                switch (escape)
                {
                    case '"': builder.Append('"'); break;
                    case '\\': builder.Append('\\'); break;
                    case '/': builder.Append('/'); break;
                    case 'b': builder.Append('\b'); break;
                    case 'f': builder.Append('\f'); break;
                    case 'n': builder.Append('\n'); break;
                    case 'r': builder.Append('\r'); break;
                    case 't': builder.Append('\t'); break;
                    case 'u':
                        if (_at + 4 > text.Length
                            || !int.TryParse(text.Substring(_at, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                        {
                            throw Fail("invalid \\u escape");
                        }

                        builder.Append((char)code);
                        _at += 4;
                        break;
                    default:
                        throw Fail("invalid escape");
                }
            }
        }

        private JsonValue ReadNumber()
        {
            var start = _at;
            while (_at < text.Length && (char.IsDigit(text[_at]) || text[_at] is '-' or '+' or '.' or 'e' or 'E'))
            {
                _at++;
            }

            var number = text.Substring(start, _at - start);
            if (number.Length == 0 || !double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                _at = start;
                throw Fail("invalid value");
            }

            return new JsonValue(JsonKind.Number, number, null, null);
        }
    }
}
