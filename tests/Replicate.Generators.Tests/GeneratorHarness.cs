using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Replicate.Generators;

namespace Replicate.Generators.Tests;

/// <summary>A model file as a test hands it to the generator: a path, its text (null = unreadable) and the item's metadata.</summary>
public sealed record ModelFile(string Path, string? Text, string? ClassName = null, string? Namespace = null)
{
    public static ModelFile Fixture(string name, string? className = null) =>
        new(System.IO.Path.Combine(AppContext.BaseDirectory, "model-schemas", name + ".json"), File.ReadAllText(System.IO.Path.Combine(AppContext.BaseDirectory, "model-schemas", name + ".json")), className);

    public static IEnumerable<string> FixtureNames() =>
        Directory.GetFiles(System.IO.Path.Combine(AppContext.BaseDirectory, "model-schemas"), "*.json").Select(System.IO.Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal)!;
}

/// <summary>Runs the generator the way the compiler does, over a compilation that references the SDK, nullable on and warnings as errors.</summary>
public static class GeneratorHarness
{
    // XML docs are checked (a project with GenerateDocumentationFile does), so a doc comment that is not XML fails a test.
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    private static readonly ImmutableArray<MetadataReference> References =
    [
        .. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
            .Select(p => MetadataReference.CreateFromFile(p)),
        MetadataReference.CreateFromFile(typeof(ReplicateClient).Assembly.Location),
    ];

    public static CSharpCompilation Compilation(string source = "", string assembly = "TestApp") => CSharpCompilation.Create(
        assembly,
        [CSharpSyntaxTree.ParseText(source, ParseOptions, path: "User.cs")],
        References,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, generalDiagnosticOption: ReportDiagnostic.Error, warningLevel: 9999));

    public static GeneratorDriver Driver(IEnumerable<ModelFile> files, string? rootNamespace = "TestApp")
    {
        var list = files.ToList();
        return CSharpGeneratorDriver.Create(
            [new ReplicateModelGenerator().AsSourceGenerator()],
            list.Select(f => (AdditionalText)new Text(f.Path, f.Text)),
            ParseOptions,
            new Options(list, rootNamespace),
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
    }

    public static Result Run(IEnumerable<ModelFile> files, string source = "", string? rootNamespace = "TestApp")
    {
        var driver = Driver(files, rootNamespace).RunGeneratorsAndUpdateCompilation(Compilation(source), out var output, out var diagnostics);
        return new Result(output, diagnostics, driver.GetRunResult());
    }

    public sealed record Result(Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics, GeneratorDriverRunResult Run)
    {
        public string Source(string hintName) => Run.Results.Single().GeneratedSources.Single(s => s.HintName == hintName).SourceText.ToString();

        /// <summary>
        /// Errors and warnings of compiling the user's code with the generated code (warnings are errors here), but for
        /// the test's own code missing XML docs (CS1591).
        /// </summary>
        public IReadOnlyList<Diagnostic> CompileProblems() =>
            Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning && !(d.Id == "CS1591" && d.Location.SourceTree?.FilePath == "User.cs")).ToList();
    }

    /// <summary>
    /// The test project's source folder, where baselines live: found by walking up from the test's output folder, because
    /// a CI build (ContinuousIntegrationBuild) maps source paths to <c>/_/</c>, so <c>[CallerFilePath]</c> would not exist.
    /// </summary>
    public static string SourceFolder()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Replicate.Generators.Tests.csproj")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("Replicate.Generators.Tests.csproj not found above " + AppContext.BaseDirectory);
    }

    private sealed class Text(string path, string? text) : AdditionalText
    {
        public override string Path => path;

        public override SourceText? GetText(CancellationToken cancellationToken = default) => text is null ? null : SourceText.From(text);
    }

    private sealed class Options(List<ModelFile> files, string? rootNamespace) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Values(rootNamespace is null ? [] : new() { ["build_property.RootNamespace"] = rootNamespace });

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Values([]);

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile)
        {
            var file = files.FirstOrDefault(f => f.Path == textFile.Path);
            var values = new Dictionary<string, string> { ["build_metadata.AdditionalFiles.SourceItemGroup"] = file is null ? "" : "ReplicateModel" };
            if (file?.ClassName is { } className)
            {
                values["build_metadata.AdditionalFiles.ClassName"] = className;
            }

            if (file?.Namespace is { } ns)
            {
                values["build_metadata.AdditionalFiles.Namespace"] = ns;
            }

            return new Values(values);
        }
    }

    private sealed class Values(Dictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
    }
}
