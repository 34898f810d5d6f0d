using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Replicate.Generators;

/// <summary>Every diagnostic the generator reports: stable ids, one place.</summary>
internal static class Diagnostics
{
    private const string Category = "Replicate.TypedModels";

    public static readonly DiagnosticDescriptor Unreadable = new(
        "RPL001", "Schema file cannot be read", "The model schema file '{0}' cannot be read: {1}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidJson = new(
        "RPL002", "Schema file is not valid JSON", "The model schema file '{0}' is not valid JSON: {1}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NotAModel = new(
        "RPL003", "Schema file is not a model", "The file '{0}' is not a model as GET /models/{{owner}}/{{name}} returns it: {1}. Write one with ReplicateClient.Models.WriteSchemaFileAsync or 'replicate schema pull'.", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NoInput = new(
        "RPL004", "Model has no input schema", "Model {0} in '{1}' has no Input schema (components.schemas.Input); no types were generated for it", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor Renamed = new(
        "RPL005", "Name changed for C#", "{0} '{1}' of model {2} {4}; it is '{3}' in C# (the wire name stays '{1}')", Category, DiagnosticSeverity.Info, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor Duplicate = new(
        "RPL006", "Two names map to one C# name", "{0} '{1}' and '{2}' of model {3} both become '{4}' in C#; the second is '{5}'", Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor Untyped = new(
        "RPL007", "Schema construct read as raw JSON", "{0} of model {1} has a schema the generator cannot type ({2}); it is a JsonElement", Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor BadMetadata = new(
        "RPL008", "Invalid ReplicateModel metadata", "The ReplicateModel item '{0}' has {1} '{2}', which is not a valid C# {3}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DuplicateClass = new(
        "RPL009", "Two schema files generate one class", "The schema files '{0}' and '{1}' both generate {2}; set ClassName on one of the ReplicateModel items", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor Failed = new(
        "RPL010", "The generator failed on a schema file", "The generator failed on the schema file '{0}' and generated nothing for it ({1}); please report this with the file", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}

/// <summary>A diagnostic as plain values (no <see cref="Location"/> object), so it can live in the cached pipeline.</summary>
internal sealed record DiagnosticInfo(string Id, string FilePath, EquatableArray<StringValue> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, string filePath, params string[] arguments)
    {
        var values = new StringValue[arguments.Length];
        for (var i = 0; i < arguments.Length; i++)
        {
            values[i] = new StringValue(arguments[i]);
        }

        return new DiagnosticInfo(descriptor.Id, filePath, values.ToEquatableArray());
    }

    public Diagnostic ToDiagnostic()
    {
        var descriptor = Id switch
        {
            "RPL001" => Diagnostics.Unreadable,
            "RPL002" => Diagnostics.InvalidJson,
            "RPL003" => Diagnostics.NotAModel,
            "RPL004" => Diagnostics.NoInput,
            "RPL005" => Diagnostics.Renamed,
            "RPL006" => Diagnostics.Duplicate,
            "RPL007" => Diagnostics.Untyped,
            "RPL008" => Diagnostics.BadMetadata,
            "RPL009" => Diagnostics.DuplicateClass,
            _ => Diagnostics.Failed,
        };
        var arguments = new object[Arguments.Count];
        for (var i = 0; i < arguments.Length; i++)
        {
            arguments[i] = Arguments[i].Value;
        }

        var location = Location.Create(FilePath, default, new LinePositionSpan(default, default));
        return Diagnostic.Create(descriptor, location, arguments);
    }
}

/// <summary>A string that is <see cref="System.IEquatable{T}"/>, for <see cref="EquatableArray{T}"/>.</summary>
internal readonly record struct StringValue(string Value);
