using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace Replicate.Generators;

/// <summary>
/// Reads a model file (the model object <c>GET /models/{owner}/{name}</c> returns, <c>latest_version</c> pinned) into a
/// <see cref="ModelSpec"/>. It never throws on bad input: every problem becomes a <see cref="DiagnosticInfo"/>, and
/// whatever cannot be typed becomes a <c>JsonElement</c> with a warning, so one odd property never costs the model.
/// </summary>
internal sealed class SchemaParser
{
    private static readonly string[] RecordReserved = ["EqualityContract", "Equals", "GetHashCode", "ToString", "Deconstruct", "PrintMembers", "GetType", "MemberwiseClone", "Finalize"];
    private static readonly string[] EnumReserved = ["Value", "KnownValues", "Equals", "GetHashCode", "ToString", "GetType"];

    /// <summary>The members of the generated static class: neither the class nor a type nested in it may be named so.</summary>
    private static readonly string[] ClassMembers = ["Input", "Model", "Descriptor"];

    private readonly string _path;
    private readonly List<DiagnosticInfo> _diagnostics = [];
    private readonly Dictionary<string, EnumSpec> _enumsByRef = new(System.StringComparer.Ordinal);
    private readonly Dictionary<string, string> _outputRecordsByRef = new(System.StringComparer.Ordinal);
    private readonly HashSet<string> _resolving = new(System.StringComparer.Ordinal);
    private readonly List<EnumSpec> _enums = [];
    private readonly List<RecordSpec> _outputRecords = [];
    private Naming.Scope _types = new();
    private JsonValue? _schemas;
    private string _model = string.Empty;

    private SchemaParser(string path) => _path = path;

    /// <summary>Parses one file; the spec is <see langword="null"/> when nothing can be generated.</summary>
    public static (ModelSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics) Parse(
        string path, string? text, string? className, string? @namespace, string? rootNamespace)
    {
        var parser = new SchemaParser(path);
        var spec = parser.ParseCore(text, className, @namespace, rootNamespace);
        return (spec, parser._diagnostics.ToEquatableArray());
    }

    private ModelSpec? ParseCore(string? text, string? className, string? @namespace, string? rootNamespace)
    {
        if (text is null)
        {
            Report(Diagnostics.Unreadable, _path, "the file does not exist or cannot be read");
            return null;
        }

        var root = JsonValue.Parse(text, out var error);
        if (root is null)
        {
            Report(Diagnostics.InvalidJson, _path, error!);
            return null;
        }

        var owner = root.StringOf("owner");
        var name = root.StringOf("name");
        var latest = root["latest_version"];
        var version = latest?.StringOf("id");
        var openApi = latest?["openapi_schema"];
        var problem = !root.IsObject ? "it is not a JSON object"
            : owner is null || name is null ? "it has no 'owner' and 'name'"
            : latest is not { IsObject: true } ? "it has no 'latest_version' object (the version to pin)"
            : version is null ? "its 'latest_version' has no 'id'"
            : openApi is not { IsObject: true } ? "its 'latest_version' has no 'openapi_schema'"
            : null;
        if (problem is not null)
        {
            Report(Diagnostics.NotAModel, _path, problem);
            return null;
        }

        _model = owner + "/" + name;
        _schemas = openApi!["components"]?["schemas"];
        var input = _schemas?["Input"];
        if (input is not { IsObject: true })
        {
            Report(Diagnostics.NoInput, _model, _path);
            return null;
        }

        // The API's rules for a model (ModelIdentifier's): what the descriptor is built from when the class is first used.
        var identity = !IsSegment(owner!) ? "its 'owner' is not a model owner (letters, digits, '-', '_' or '.')"
            : !IsSegment(name!) ? "its 'name' is not a model name (letters, digits, '-', '_' or '.')"
            : !IsVersionId(version!) ? "its 'latest_version' id is not a version id (64 hexadecimal characters)"
            : null;
        if (identity is not null)
        {
            Report(Diagnostics.NotAModel, _path, identity);
            return null;
        }

        var typeName = className ?? Naming.Pascal(name!);
        if (className is not null && (!Naming.IsIdentifier(className) || ClassMembers.Contains(className)))
        {
            Report(Diagnostics.BadMetadata, _path, "ClassName", className, ClassMembers.Contains(className) ? "type name for it (Input, Model and Descriptor name its members)" : "type name");
            return null;
        }

        // A model named input, model or descriptor: its class cannot also have a member of that name (CS0542).
        if (className is null && ClassMembers.Contains(typeName))
        {
            typeName += "Model";
        }

        var ns = @namespace ?? rootNamespace ?? string.Empty;
        if (ns.Length > 0 && !ns.Split('.').All(Naming.IsIdentifier))
        {
            Report(Diagnostics.BadMetadata, _path, @namespace is null ? "RootNamespace" : "Namespace", ns, "namespace");
            return null;
        }

        // Nested types may not take the class's name or its members' (CS0542), nor a name their own members have.
        _types = new Naming.Scope([typeName, "Reader", .. ClassMembers, .. RecordReserved, .. EnumReserved]);
        var inputRecord = ReadRecord("Input", input!, isOutput: false, "The input of " + _model + ".");
        var (output, streamsText) = ReadOutput(_schemas!["Output"]);
        return new ModelSpec(
            HintName: (ns.Length == 0 ? typeName : ns + "." + typeName) + ".g.cs",
            Namespace: ns,
            ClassName: typeName,
            Owner: owner!,
            Name: name!,
            Version: version!,
            Description: root.StringOf("description"),
            SourceFile: System.IO.Path.GetFileName(_path),
            Input: inputRecord,
            OutputRecords: _outputRecords.ToEquatableArray(),
            Enums: _enums.ToEquatableArray(),
            Output: output,
            StreamsText: streamsText,
            InputSchemaJson: InputSchemaJson(input!));
    }

    private RecordSpec ReadRecord(string recordName, JsonValue schema, bool isOutput, string? documentation)
    {
        var members = new Naming.Scope([recordName, .. RecordReserved]);
        var required = new HashSet<string>(schema["required"]?.Items.Where(i => i.Kind == JsonKind.String).Select(i => i.Text!) ?? [], System.StringComparer.Ordinal);
        var firstOf = new Dictionary<string, string>(System.StringComparer.Ordinal);
        var properties = new List<PropertySpec>();
        var ordered = (schema["properties"]?.Properties ?? [])
            .Select((p, index) => (Property: p, Index: index, Order: OrderOf(p.Value)))
            .OrderBy(p => p.Order)
            .ThenBy(p => p.Index);
        foreach (var (property, _, _) in ordered)
        {
            var wire = property.Key;
            var csharp = TakeName(members, wire, "Property", firstOf, reportNonIdentifier: true);
            var what = $"{(isOutput ? "Output" : "Input")} property '{wire}'";
            var type = ReadType(property.Value, csharp, isOutput, what);
            var isRequired = !isOutput && required.Contains(wire);
            properties.Add(new PropertySpec(wire, csharp, type, isRequired, Document(property.Value, type)));
        }

        return new RecordSpec(recordName, properties.ToEquatableArray(), documentation);
    }

    /// <summary>
    /// The C# name of <paramref name="wire"/> in <paramref name="scope"/>, with RPL006 when an earlier name became the same,
    /// RPL005 when the name is one the generated type already has, and (if asked) RPL005 when the wire name is not an
    /// identifier. <paramref name="firstOf"/> remembers which wire name first became each C# name.
    /// </summary>
    private string TakeName(Naming.Scope scope, string wire, string kind, Dictionary<string, string> firstOf, bool reportNonIdentifier)
    {
        var pascal = Naming.Pascal(wire);
        var csharp = scope.Take(pascal, out var renamed);
        if (renamed && firstOf.TryGetValue(pascal, out var first))
        {
            Report(Diagnostics.Duplicate, kind, first, wire, _model, pascal, csharp);
        }
        else if (renamed)
        {
            Report(Diagnostics.Renamed, kind, wire, _model, csharp, "would be '" + pascal + "', a name the generated type already has");
        }
        else if (reportNonIdentifier && !Naming.IsIdentifier(wire) && !IsPlainWords(wire))
        {
            Report(Diagnostics.Renamed, kind, wire, _model, csharp, "is not a C# identifier");
        }

        if (!firstOf.ContainsKey(pascal))
        {
            firstOf[pascal] = wire;
        }

        return csharp;
    }

    private static bool IsSegment(string value) =>
        value.Length is > 0 and <= 100 && value is not "." and not ".." && value.All(c => c < 128 && (char.IsLetterOrDigit(c) || c is '-' or '_' or '.'));

    private static bool IsVersionId(string value) =>
        value.Length == 64 && value.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f') or (>= 'A' and <= 'F'));

    /// <summary>A name made only of letters, digits, <c>_</c> and <c>-</c>: turning it into PascalCase is no news worth a diagnostic.</summary>
    private static bool IsPlainWords(string name) =>
        name.Length > 0 && !char.IsDigit(name[0]) && name.All(c => c < 128 && (char.IsLetterOrDigit(c) || c is '_' or '-'));

    private static double OrderOf(JsonValue schema) =>
        schema["x-order"] is { Kind: JsonKind.Number } order && double.TryParse(order.Text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : double.MaxValue;

    private TypeSpec ReadType(JsonValue schema, string memberName, bool isOutput, string what)
    {
        // allOf: [{$ref}] with default/description beside it is how Cog writes an enum property.
        if (schema["allOf"] is { Kind: JsonKind.Array } allOf)
        {
            if (allOf.Items.Count == 1)
            {
                return ReadType(allOf.Items[0], memberName, isOutput, what);
            }

            return Untyped(what, "allOf with several schemas");
        }

        if (schema.StringOf("$ref") is { } reference)
        {
            return ReadReference(reference, memberName, isOutput, what);
        }

        foreach (var keyword in new[] { "anyOf", "oneOf" })
        {
            if (schema[keyword] is { Kind: JsonKind.Array } choices)
            {
                // anyOf: [T, {type: null}] is an optional T; anything else has no one C# type.
                var notNull = choices.Items.Where(c => c.StringOf("type") != "null").ToList();
                return notNull.Count == 1 && choices.Items.Count == 2
                    ? ReadType(notNull[0], memberName, isOutput, what)
                    : Untyped(what, keyword + " of several types");
            }
        }

        if (schema["enum"] is { Kind: JsonKind.Array } values)
        {
            if (isOutput)
            {
                // An output is read, not written: the kind of its values is all the type needs.
                var listed = values.Items.Where(v => v.Kind != JsonKind.Null).ToList();
                return listed.Count == 0 ? Untyped(what, "an enum without values")
                    : listed.All(v => v.Kind == JsonKind.String) ? new TypeSpec(ValueKind.String)
                    : listed.All(v => v.Kind == JsonKind.Boolean) ? new TypeSpec(ValueKind.Boolean)
                    : listed.All(v => v.IsInteger) ? new TypeSpec(ValueKind.Integer)
                    : listed.All(v => v.Kind == JsonKind.Number) ? new TypeSpec(ValueKind.Number)
                    : Untyped(what, "an enum of mixed values in the output");
            }

            return ReadEnum(memberName, values, schema.StringOf("description"), what);
        }

        var type = schema["type"] switch
        {
            { Kind: JsonKind.String, Text: var t } => t,
            { Kind: JsonKind.Array } types when types.Items.Count(i => i.Text != "null") == 1 => types.Items.First(i => i.Text != "null").Text,
            _ => null,
        };
        switch (type)
        {
            case "string":
                return schema.StringOf("format") == "uri" ? new TypeSpec(ValueKind.File) : new TypeSpec(ValueKind.String);
            case "integer":
                return new TypeSpec(ValueKind.Integer);
            case "number":
                return new TypeSpec(ValueKind.Number);
            case "boolean":
                return new TypeSpec(ValueKind.Boolean);
            case "array":
                var items = schema["items"];
                if (items is not { IsObject: true })
                {
                    return Untyped(what, "an array without item type");
                }

                var itemType = ReadType(items, memberName + "Item", isOutput, what + " items");
                return itemType.Kind == ValueKind.Json ? itemType : new TypeSpec(ValueKind.Array, Items: itemType);
            case "object":
                return isOutput && schema["properties"] is { IsObject: true, Properties.Count: > 0 }
                    ? ReadOutputRecord(memberName, schema)
                    : Untyped(what, isOutput ? "an object without properties" : "an object input");
            case null:
                return Untyped(what, "no type");
            default:
                return Untyped(what, "type '" + type + "'");
        }
    }

    private TypeSpec ReadReference(string reference, string memberName, bool isOutput, string what)
    {
        const string Prefix = "#/components/schemas/";
        var target = reference.StartsWith(Prefix, System.StringComparison.Ordinal) ? _schemas?[reference.Substring(Prefix.Length)] : null;
        if (target is not { IsObject: true })
        {
            return Untyped(what, "a reference that does not resolve: " + reference);
        }

        var refName = reference.Substring(Prefix.Length);
        if (isOutput && _outputRecordsByRef.TryGetValue(refName, out var record))
        {
            return new TypeSpec(ValueKind.Record, record);
        }

        // A schema that leads back to itself without an object in between has no C# type (and would never end).
        if (!_resolving.Add(refName))
        {
            return Untyped(what, "a reference to itself: " + reference);
        }

        try
        {
            return ReadTarget(refName, target, memberName, isOutput, what);
        }
        finally
        {
            _resolving.Remove(refName);
        }
    }

    private TypeSpec ReadTarget(string refName, JsonValue target, string memberName, bool isOutput, string what)
    {
        if (target["enum"] is { Kind: JsonKind.Array } values && !isOutput)
        {
            if (_enumsByRef.TryGetValue(refName, out var known))
            {
                return new TypeSpec(ValueKind.Enum, known.Name);
            }

            var type = ReadEnum(refName, values, target.StringOf("description"), what);
            if (type.Kind == ValueKind.Enum)
            {
                _enumsByRef[refName] = _enums[_enums.Count - 1];
            }

            return type;
        }

        if (target["properties"] is { IsObject: true } && isOutput)
        {
            return ReadOutputRecord(refName, target, refName);
        }

        // A reference to a plain schema (a string with a format, say): read it as if it were inline.
        return target["properties"] is null && target["$ref"] is null ? ReadType(target, memberName, isOutput, what) : Untyped(what, "a reference to an object");
    }

    private TypeSpec ReadEnum(string baseName, JsonValue values, string? description, string what)
    {
        // null among the values says the input may be left out, which every optional input already may; integers are
        // the same value however they are written (1, 01, +1).
        var distinct = new List<JsonValue>();
        var seen = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var value in values.Items)
        {
            var key = value.IsInteger ? "i:" + ParseLong(value.Text!) : value.Kind + ":" + value.Text;
            if (value.Kind != JsonKind.Null && seen.Add(key))
            {
                distinct.Add(value);
            }
        }

        if (distinct.Count > 0 && distinct.All(v => v.Kind == JsonKind.Boolean))
        {
            return new TypeSpec(ValueKind.Boolean);
        }

        // The values' own kind decides, whatever 'type' says (Cog writes type: integer beside choices given as strings).
        var isInteger = distinct.Count > 0 && distinct.All(v => v.IsInteger);
        if (distinct.Count == 0 || (!isInteger && !distinct.All(v => v.Kind == JsonKind.String)))
        {
            return Untyped(
                what,
                distinct.Count == 0 ? "an enum without values"
                : distinct.All(v => v.Kind == JsonKind.Number) ? "an enum of numbers that are not all 64-bit integers"
                : "an enum of mixed values");
        }

        var name = _types.Take(Naming.Pascal(baseName), out _);
        var scope = new Naming.Scope([name, .. EnumReserved]);
        var members = new List<EnumMemberSpec>();
        var firstOf = new Dictionary<string, string>(System.StringComparer.Ordinal);
        foreach (var value in distinct)
        {
            var text = isInteger ? ParseLong(value.Text!) : value.Text!;
            var member = TakeName(scope, text, "Enum value", firstOf, reportNonIdentifier: false);
            members.Add(new EnumMemberSpec(member, text));
        }

        _enums.Add(new EnumSpec(name, isInteger, members.ToEquatableArray(), description));
        return new TypeSpec(ValueKind.Enum, name);
    }

    private static string ParseLong(string text) =>
        long.Parse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private TypeSpec ReadOutputRecord(string baseName, JsonValue schema, string? refName = null)
    {
        var name = _types.Take(Naming.Pascal(baseName), out _);
        if (refName is not null)
        {
            // Known before its properties are read: a record that contains itself (a tree) refers to its own name.
            _outputRecordsByRef[refName] = name;
        }

        _outputRecords.Add(ReadRecord(name, schema, isOutput: true, schema.StringOf("description") ?? schema.StringOf("title")));
        return new TypeSpec(ValueKind.Record, name);
    }

    private (TypeSpec Type, bool StreamsText) ReadOutput(JsonValue? schema)
    {
        if (schema is not { IsObject: true })
        {
            return (Untyped("The output", "no Output schema"), false);
        }

        var concatenate = schema.StringOf("type") == "array"
            && schema.StringOf("x-cog-array-type") == "iterator"
            && schema.StringOf("x-cog-array-display") == "concatenate"
            && schema["items"]?.StringOf("type") == "string";
        if (concatenate)
        {
            return (new TypeSpec(ValueKind.String), true);
        }

        var type = ReadType(schema, "Output", isOutput: true, "The output");
        return (type, false);
    }

    private TypeSpec Untyped(string what, string why)
    {
        Report(Diagnostics.Untyped, what, _model, why);
        return TypeSpec.Json;
    }

    private static string? Document(JsonValue schema, TypeSpec type)
    {
        var text = schema.StringOf("description") ?? schema.StringOf("title");
        var facts = new List<string>();
        if (schema["default"] is { } @default && @default.Kind != JsonKind.Null)
        {
            facts.Add("Default: " + (@default.Kind == JsonKind.String ? "\"" + @default.Text + "\"" : @default.ToString()) + ".");
        }

        var minimum = schema["minimum"]?.Text;
        var maximum = schema["maximum"]?.Text;
        if (minimum is not null || maximum is not null)
        {
            facts.Add(minimum is not null && maximum is not null ? $"Range: {minimum} to {maximum}."
                : minimum is not null ? $"Minimum: {minimum}." : $"Maximum: {maximum}.");
        }

        if (type.Kind == ValueKind.File)
        {
            facts.Add("A file: a FileInfo, Stream, bytes, Uri or FileOutput, uploaded or inlined like any file input.");
        }

        if (schema.IsTrue("x-cog-secret"))
        {
            facts.Add("A secret.");
        }

        if (text is not null && facts.Count > 0 && !text.TrimEnd().EndsWith(".", System.StringComparison.Ordinal))
        {
            text = text.TrimEnd() + ".";
        }

        return text is null && facts.Count == 0 ? null : string.Join(" ", new[] { text }.Concat(facts).Where(s => s is not null));
    }

    /// <summary>
    /// The Input schema and every schema it references, as <c>{"Input": ..., "name": ...}</c>: what the SDK's validator
    /// reads at run time, the same way it reads a schema fetched from the API.
    /// </summary>
    private string InputSchemaJson(JsonValue input)
    {
        var builder = new StringBuilder("{\"Input\":");
        input.WriteTo(builder);
        var seen = new HashSet<string>(System.StringComparer.Ordinal);
        var pending = new Queue<JsonValue>();
        pending.Enqueue(input);
        while (pending.Count > 0)
        {
            foreach (var reference in References(pending.Dequeue()))
            {
                if (seen.Add(reference) && _schemas?[reference] is { } target)
                {
                    builder.Append(',');
                    JsonValue.WriteString(builder, reference);
                    builder.Append(':');
                    target.WriteTo(builder);
                    pending.Enqueue(target);
                }
            }
        }

        return builder.Append('}').ToString();
    }

    private static IEnumerable<string> References(JsonValue value)
    {
        const string Prefix = "#/components/schemas/";
        if (value.StringOf("$ref") is { } reference && reference.StartsWith(Prefix, System.StringComparison.Ordinal))
        {
            yield return reference.Substring(Prefix.Length);
        }

        foreach (var child in value.Properties.Select(p => p.Value).Concat(value.Items))
        {
            foreach (var nested in References(child))
            {
                yield return nested;
            }
        }
    }

    private void Report(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, params string[] arguments) =>
        _diagnostics.Add(DiagnosticInfo.Create(descriptor, _path, arguments));
}
