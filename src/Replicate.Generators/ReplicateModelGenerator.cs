using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Replicate.Generators;

/// <summary>
/// Generates C# types for Replicate models from their schema files: every <c>&lt;ReplicateModel Include="..." /&gt;</c>
/// item (an <c>AdditionalFiles</c> item with <c>SourceItemGroup = ReplicateModel</c>, set by the package's props)
/// becomes a static class with the model's input record, enums, output types and a pinned <c>Model</c> descriptor.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ReplicateModelGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline steps, for incrementality tests.</summary>
    public static class Steps
    {
        /// <summary>The parsed model files.</summary>
        public const string Models = "ReplicateModels";
    }

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var rootNamespace = context.AnalyzerConfigOptionsProvider.Select(static (options, _) =>
            options.GlobalOptions.TryGetValue("build_property.RootNamespace", out var value) && !string.IsNullOrWhiteSpace(value) ? value : null);

        var files = context.AdditionalTextsProvider
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Select(static (pair, cancellationToken) =>
            {
                var (file, options) = pair;
                var metadata = options.GetOptions(file);
                metadata.TryGetValue("build_metadata.AdditionalFiles.SourceItemGroup", out var group);
                if (group != "ReplicateModel")
                {
                    return null;
                }

                metadata.TryGetValue("build_metadata.AdditionalFiles.ClassName", out var className);
                metadata.TryGetValue("build_metadata.AdditionalFiles.Namespace", out var @namespace);
                return new ModelFile(file.Path, file.GetText(cancellationToken)?.ToString(), NullIfEmpty(className), NullIfEmpty(@namespace));
            })
            .Where(static file => file is not null);

        var models = files
            .Combine(rootNamespace)
            .Select(static (pair, _) =>
            {
                var (file, root) = pair;
                try
                {
                    var (spec, diagnostics) = SchemaParser.Parse(file!.Path, file.Text, file.ClassName, file.Namespace, root);
                    return new ParseResult(file.Path, spec, diagnostics);
                }
                catch (System.Exception ex) when (ex is not System.OperationCanceledException)
                {
                    // A bug of ours must cost one model, not the whole project's generated code.
                    return new ParseResult(file!.Path, null, new[] { Failure(file.Path, ex) }.ToEquatableArray());
                }
            })
            .WithTrackingName(Steps.Models);

        context.RegisterSourceOutput(models.Collect(), static (output, results) =>
        {
            // Two files that would generate one class: the first (by path, ordinally) wins, the other is reported.
            var byHint = new Dictionary<string, string>(System.StringComparer.Ordinal);

            // Roslyn wants hint names unique ignoring case, C# does not: classes FluxDev and Fluxdev get two files.
            var files = new HashSet<string>(System.StringComparer.OrdinalIgnoreCase);
            foreach (var result in results.OrderBy(r => r.Path, System.StringComparer.Ordinal))
            {
                foreach (var diagnostic in result.Diagnostics)
                {
                    output.ReportDiagnostic(diagnostic.ToDiagnostic());
                }

                if (result.Spec is not { } spec)
                {
                    continue;
                }

                if (byHint.TryGetValue(spec.HintName, out var first))
                {
                    output.ReportDiagnostic(DiagnosticInfo.Create(Diagnostics.DuplicateClass, result.Path, first, result.Path, spec.HintName.Substring(0, spec.HintName.Length - 5)).ToDiagnostic());
                    continue;
                }

                byHint[spec.HintName] = result.Path;
                try
                {
                    var hint = spec.HintName;
                    for (var n = 2; !files.Add(hint); n++)
                    {
                        hint = spec.HintName.Substring(0, spec.HintName.Length - 5) + "." + n.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".g.cs";
                    }

                    output.AddSource(hint, SourceText.From(Emitter.Emit(spec), Encoding.UTF8));
                }
                catch (System.Exception ex) when (ex is not System.OperationCanceledException)
                {
                    output.ReportDiagnostic(Failure(result.Path, ex).ToDiagnostic());
                }
            }
        });
    }

    /// <summary>RPL010 for <paramref name="path"/>: the exception's type, message and innermost frame, for a bug report.</summary>
    internal static DiagnosticInfo Failure(string path, System.Exception ex)
    {
        var frame = ex.StackTrace?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);
        return DiagnosticInfo.Create(Diagnostics.Failed, path, path, ex.GetType().Name + ": " + ex.Message + (frame is null ? string.Empty : " " + frame));
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value!.Trim();

    private sealed record ModelFile(string Path, string? Text, string? ClassName, string? Namespace);

    private sealed record ParseResult(string Path, ModelSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
}
