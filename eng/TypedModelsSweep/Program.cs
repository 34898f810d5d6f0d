using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Replicate;
using Replicate.Generators;

namespace TypedModelsSweep;

/// <summary>
/// Feeds every model object of a <c>models.json</c> (an array of models as <c>GET /models/{owner}/{name}</c> returns
/// them) to the typed-models generator, the way the compiler does (one additional text per model, with
/// <c>SourceItemGroup = ReplicateModel</c>), compiles ALL generated sources in one compilation with nullable on, XML docs
/// checked and warnings as errors, and reports per model what happened. Each model gets its own namespace
/// (<c>Sweep.M0042</c>), so two models named alike do not collide and every error names one model.
/// Usage: <c>TypedModelsSweep &lt;models.json&gt; [report-folder]</c>. Exit code: 0 when the generator never threw and at
/// least SWEEP_MIN_PERCENT (99.5 by default) of the models that generate code compile with no error; 1 otherwise; 2 on
/// bad arguments.
/// </summary>
internal static partial class Program
{
    private const string HintPrefix = "Sweep.M";
    private static readonly string[] ReportedIds = ["RPL005", "RPL006", "RPL007"];

    public static int Main(string[] args)
    {
        if (args.Length is < 1 or > 2 || !File.Exists(args[0]))
        {
            Console.Error.WriteLine("usage: TypedModelsSweep <models.json> [report-folder]");
            return 2;
        }

        var reportFolder = args.Length == 2 ? args[1] : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(args[0]))!, "report");
        Directory.CreateDirectory(reportFolder);
        var minPercent = double.TryParse(Environment.GetEnvironmentVariable("SWEEP_MIN_PERCENT"), NumberStyles.Float, CultureInfo.InvariantCulture, out var min) ? min : 99.5;

        var models = Load(args[0]);
        Console.WriteLine($"typed-models sweep: {models.Count} model objects from {args[0]}");

        // 1. The generator over all models at once, as one project with 3,808 ReplicateModel items would run it.
        var crashed = new Dictionary<int, string>();
        var (run, output, driverDiagnostics, generatorTime) = Generate(models);
        if (run.Results[0].Exception is not null || HasGeneratorFailure(driverDiagnostics))
        {
            // One exception costs every model of the run: find the models that throw one by one, then run the rest.
            Console.WriteLine($"the generator threw over all models ({Describe(run.Results[0].Exception, driverDiagnostics)}); running each model alone to find which");
            foreach (var model in models)
            {
                var (alone, _, aloneDiagnostics, _) = Generate([model]);
                if (alone.Results[0].Exception is not null || HasGeneratorFailure(aloneDiagnostics))
                {
                    crashed[model.Index] = Describe(alone.Results[0].Exception, aloneDiagnostics);
                }
            }

            (run, output, driverDiagnostics, generatorTime) = Generate(models.Where(m => !crashed.ContainsKey(m.Index)).ToList());
        }

        var warmTime = Generate(models.Where(m => !crashed.ContainsKey(m.Index)).ToList()).Time;
        var result = run.Results[0];

        // 2. What the generator said, per model.
        var byPath = models.ToDictionary(m => m.Path, StringComparer.Ordinal);
        var generatorDiagnostics = result.Diagnostics.Concat(driverDiagnostics).Distinct().ToList();
        var diagnosticsOf = new Dictionary<int, List<Diagnostic>>();
        var unattributed = new List<Diagnostic>();
        foreach (var diagnostic in generatorDiagnostics)
        {
            if (byPath.TryGetValue(diagnostic.Location.GetLineSpan().Path ?? string.Empty, out var model))
            {
                (diagnosticsOf.TryGetValue(model.Index, out var list) ? list : diagnosticsOf[model.Index] = []).Add(diagnostic);
            }
            else
            {
                unattributed.Add(diagnostic);
            }
        }

        var generated = new Dictionary<int, GeneratedSourceResult>();
        foreach (var source in result.GeneratedSources)
        {
            if (IndexOf(source.HintName) is { } index)
            {
                generated[index] = source;
            }
        }

        // 3. One compilation of every generated source, emitted as a build would.
        var watch = Stopwatch.StartNew();
        using var peStream = new MemoryStream();
        var emit = output.Emit(peStream);
        var compileTime = watch.Elapsed;
        var errorsOf = new Dictionary<int, List<Diagnostic>>();
        var otherErrors = new List<Diagnostic>();
        foreach (var error in emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error))
        {
            var hint = Path.GetFileName(error.Location.SourceTree?.FilePath ?? string.Empty);
            if (IndexOf(hint) is { } index)
            {
                (errorsOf.TryGetValue(index, out var list) ? list : errorsOf[index] = []).Add(error);
            }
            else
            {
                otherErrors.Add(error);
            }
        }

        // A generator exception caught per file (RPL010) is a crash too, one that costs only its own model.
        foreach (var (index, list) in diagnosticsOf)
        {
            if (list.FirstOrDefault(d => d.Id == "RPL010") is { } failure && !crashed.ContainsKey(index))
            {
                crashed[index] = "RPL010 " + failure.GetMessage(CultureInfo.InvariantCulture);
            }
        }

        // 4. What the generated code does when it runs: each descriptor is built (its ModelIdentifier) and its embedded
        // input schema parsed, and every enum value the generated code lists is put through the SDK's validator.
        var runtime = emit.Success ? RunTimeCheck.Run(peStream.ToArray(), generated) : null;

        // 5. The verdict per model.
        var skipped = new List<SweepModel>();
        var silent = new List<SweepModel>();
        var failed = new List<SweepModel>();
        var passed = 0;
        foreach (var model in models)
        {
            if (crashed.ContainsKey(model.Index))
            {
                failed.Add(model);
            }
            else if (!generated.ContainsKey(model.Index))
            {
                var reasons = diagnosticsOf.TryGetValue(model.Index, out var list) ? list : [];
                (reasons.Any(d => d.DefaultSeverity == DiagnosticSeverity.Error) ? skipped : silent).Add(model);
            }
            else if (errorsOf.ContainsKey(model.Index))
            {
                failed.Add(model);
            }
            else
            {
                passed++;
            }
        }

        failed.AddRange(silent);
        var generating = generated.Count;
        var compiling = generated.Keys.Count(i => !errorsOf.ContainsKey(i));
        var percentOfGenerating = generating == 0 ? 0 : 100.0 * compiling / generating;
        var percentOfGiven = models.Count == 0 ? 0 : 100.0 * compiling / models.Count;
        var generatedBytes = generated.Values.Sum(s => (long)s.SourceText.Length);

        var report = new StringBuilder();
        void Say(string line)
        {
            report.AppendLine(line);
            Console.WriteLine(line);
        }

        Say(string.Empty);
        Say($"models given:                      {models.Count}");
        Say($"skipped by an error diagnostic:    {skipped.Count}{Breakdown(skipped.SelectMany(m => diagnosticsOf[m.Index].Where(d => d.DefaultSeverity == DiagnosticSeverity.Error).Select(d => d.Id).Distinct()))}");
        Say($"generator exceptions:              {crashed.Count} model(s){(result.Exception is null ? string.Empty : " (and the final run threw: " + result.Exception.GetType().Name + ")")}, {crashed.Values.Count(r => r.StartsWith("RPL010", StringComparison.Ordinal))} of them caught per file as RPL010");
        Say($"no code and no error diagnostic:   {silent.Count}");
        Say($"models that generate code:         {generating} ({generated.Count} files, {generatedBytes / 1024.0 / 1024.0:0.0} M characters)");
        Say($"models whose code has errors:      {errorsOf.Count} ({errorsOf.Values.Sum(l => l.Count)} errors{Breakdown(errorsOf.Values.SelectMany(l => l.Select(d => d.Id).Distinct()), " in models")})");
        Say($"errors outside generated code:     {otherErrors.Count}");
        Say($"compiling with no error:           {compiling} of {generating} models that generate code ({percentOfGenerating:0.00}%), {compiling} of {models.Count} models given ({percentOfGiven:0.00}%)");
        foreach (var id in ReportedIds)
        {
            var ofId = generatorDiagnostics.Where(d => d.Id == id).ToList();
            var inModels = diagnosticsOf.Count(p => p.Value.Any(d => d.Id == id));
            Say($"{$"{id} ({Severity(ofId)}):",-35}{ofId.Count} in {inModels} models");
        }

        // What RPL007 says it could not type: the part of its message in parentheses, reference names left out.
        var untyped = generatorDiagnostics.Where(d => d.Id == "RPL007")
            .Select(d => UntypedReason().Match(d.GetMessage(CultureInfo.InvariantCulture)) is { Success: true } m ? m.Groups[1].Value : "?")
            .Select(r => r.StartsWith("a reference that does not resolve", StringComparison.Ordinal) ? "a reference that does not resolve" : r);
        Say($"RPL007 reasons:                    {Breakdown(untyped).TrimStart(':', ' ')}");

        var warned = diagnosticsOf.Count(p => generated.ContainsKey(p.Key) && p.Value.Any(d => d.DefaultSeverity == DiagnosticSeverity.Warning));
        Say($"models with a generator warning:   {warned} (RPL006/RPL007: a project with TreatWarningsAsErrors needs NoWarn for them)");
        var others = generatorDiagnostics.Where(d => !ReportedIds.Contains(d.Id)).ToList();
        var rpl005 = generatorDiagnostics.Where(d => d.Id == "RPL005").Select(d => d.GetMessage(CultureInfo.InvariantCulture).Contains("already has", StringComparison.Ordinal) ? "a name the type already has" : "not an identifier");
        Say($"RPL005 reasons:                    {Breakdown(rpl005).TrimStart(':', ' ')}");
        Say($"other generator diagnostics:       {others.Count}{Breakdown(others.Select(d => d.Id))}");
        Say($"unattributed generator diagnostics: {unattributed.Count}");
        if (runtime is null)
        {
            Say("run time:                          not checked (the compilation has errors)");
        }
        else
        {
            Say($"run time:                          {runtime.Built} descriptors built and input schemas parsed, {runtime.Failures.Count} failed{Breakdown(runtime.Failures.Values.Select(f => f.Split(':')[0]))}");
            Say($"enum values the SDK's validation refuses: {runtime.Refused.Sum(r => r.Value.Count)} values in {runtime.Refused.Count} models, of {runtime.EnumValues} checked (the schema's type and its own enum disagree, so no listed value passes validation against it)");
            foreach (var (index, reason) in runtime.Failures.OrderBy(p => p.Key).Take(20))
            {
                Say($"  RUNTIME {models[index].Id}: {reason}");
            }

            foreach (var (index, refusals) in runtime.Refused.OrderBy(p => p.Key).Take(20))
            {
                Say($"  REFUSED {models[index].Id}: {refusals.Count} values, e.g. {refusals[0]}");
            }
        }

        Say($"generator time:                    {generatorTime.TotalSeconds:0.0} s (first run, cold), {warmTime.TotalSeconds:0.0} s (second run, warm)");
        Say($"compile time:                      {compileTime.TotalSeconds:0.0} s (one compilation of all generated sources, Emit)");

        foreach (var (index, reason) in crashed.OrderBy(p => p.Key))
        {
            Say($"  THREW  {models[index].Id}: {reason}");
        }

        foreach (var model in silent)
        {
            Say($"  SILENT {model.Id}: no generated source and no error diagnostic");
        }

        foreach (var (index, errors) in errorsOf.OrderBy(p => p.Key).Take(40))
        {
            var first = errors[0];
            Say($"  ERRORS {models[index].Id}: {errors.Count}, first {first.Id} {first.GetMessage(CultureInfo.InvariantCulture)}");
        }

        foreach (var error in otherErrors.Take(10))
        {
            Say($"  OTHER  {error}");
        }

        WriteDetails(reportFolder, models, generated, errorsOf, crashed);
        File.WriteAllLines(Path.Combine(reportFolder, "diagnostics.txt"), generatorDiagnostics.Select(d => $"{d.Id} {d.GetMessage(CultureInfo.InvariantCulture)}").Order(StringComparer.Ordinal));
        Say($"details: {reportFolder}");
        Say(string.Empty);
        var line = $"{passed} passed, {failed.Count} failed" + (skipped.Count > 0 ? $", {skipped.Count} skipped" : string.Empty);
        report.AppendLine(line);
        File.WriteAllText(Path.Combine(reportFolder, "summary.txt"), report.ToString());
        Console.WriteLine(line);
        return crashed.Count == 0 && result.Exception is null && otherErrors.Count == 0 && percentOfGenerating >= minPercent ? 0 : 1;
    }

    private static List<SweepModel> Load(string path)
    {
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 1024 });
        var models = new List<SweepModel>();
        foreach (var element in document.RootElement.EnumerateArray())
        {
            var index = models.Count;
            var owner = element.ValueKind == JsonValueKind.Object && element.TryGetProperty("owner", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString()! : "?";
            var name = element.ValueKind == JsonValueKind.Object && element.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "?";
            var file = string.Concat($"{owner}--{name}".Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));

            // The model object's own text, byte for byte as the package has it: what a schema file holds.
            models.Add(new SweepModel(index, owner + "/" + name, $"models/{index:D4}-{file}.json", element.GetRawText(), HintPrefix + index.ToString("D4", CultureInfo.InvariantCulture)));
        }

        return models;
    }

    private static (GeneratorDriverRunResult Run, Compilation Output, ImmutableArray<Diagnostic> Diagnostics, TimeSpan Time) Generate(IReadOnlyList<SweepModel> models)
    {
        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Diagnose);
        var compilation = CSharpCompilation.Create(
            "Sweep",
            [CSharpSyntaxTree.ParseText("namespace Sweep { internal static class User { } }", parseOptions, path: "User.cs")],
            References.Value,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                generalDiagnosticOption: ReportDiagnostic.Error,
                warningLevel: 9999));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new ReplicateModelGenerator().AsSourceGenerator()],
            models.Select(m => (AdditionalText)new ModelText(m.Path, m.Text)),
            parseOptions,
            new Options(models));
        var watch = Stopwatch.StartNew();
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var time = watch.Elapsed;
        return (driver.GetRunResult(), output, diagnostics, time);
    }

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    [
        .. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
            .Select(p => MetadataReference.CreateFromFile(p)),
        MetadataReference.CreateFromFile(typeof(ReplicateClient).Assembly.Location),
    ]);

    /// <summary>CS8784/CS8785: the compiler's word that a generator threw (what AD0001 is for analyzers).</summary>
    private static bool HasGeneratorFailure(ImmutableArray<Diagnostic> diagnostics) => diagnostics.Any(d => d.Id is "CS8784" or "CS8785");

    private static string Describe(Exception? exception, ImmutableArray<Diagnostic> diagnostics) =>
        exception is not null
            ? exception.GetType().Name + ": " + exception.Message + " " + exception.StackTrace?.Split('\n').FirstOrDefault(l => l.Contains("Replicate.Generators", StringComparison.Ordinal))?.Trim()
            : diagnostics.First(d => d.Id is "CS8784" or "CS8785").GetMessage(CultureInfo.InvariantCulture);

    private static int? IndexOf(string hintName) =>
        hintName.StartsWith(HintPrefix, StringComparison.Ordinal)
        && hintName.Length > HintPrefix.Length + 4
        && int.TryParse(hintName.AsSpan(HintPrefix.Length, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            ? index
            : null;

    private static string Severity(List<Diagnostic> diagnostics) =>
        diagnostics.Count == 0 ? "-" : string.Join("/", diagnostics.Select(d => d.DefaultSeverity.ToString().ToLowerInvariant()).Distinct());

    private static string Breakdown(IEnumerable<string> ids, string suffix = "")
    {
        var counts = ids.GroupBy(id => id).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}").ToList();
        return counts.Count == 0 ? string.Empty : $": {string.Join(", ", counts)}{suffix}";
    }

    private static void WriteDetails(string folder, List<SweepModel> models, Dictionary<int, GeneratedSourceResult> generated, Dictionary<int, List<Diagnostic>> errorsOf, Dictionary<int, string> crashed)
    {
        var failedFolder = Path.Combine(folder, "failed");
        if (Directory.Exists(failedFolder))
        {
            Directory.Delete(failedFolder, recursive: true);
        }

        Directory.CreateDirectory(failedFolder);
        var details = new StringBuilder();
        foreach (var (index, reason) in crashed.OrderBy(p => p.Key))
        {
            details.AppendLine(CultureInfo.InvariantCulture, $"{models[index].Id} ({models[index].Path}): the generator threw: {reason}");
            File.WriteAllText(Path.Combine(failedFolder, Path.GetFileName(models[index].Path)), models[index].Text);
        }

        foreach (var (index, errors) in errorsOf.OrderBy(p => p.Key))
        {
            var model = models[index];
            details.AppendLine(CultureInfo.InvariantCulture, $"{model.Id} ({model.Path}): {errors.Count} errors");
            var text = generated[index].SourceText;
            foreach (var error in errors.Take(20))
            {
                var line = error.Location.GetLineSpan().StartLinePosition.Line;
                var code = line < text.Lines.Count ? text.Lines[line].ToString().Trim() : string.Empty;
                details.AppendLine(CultureInfo.InvariantCulture, $"  {error.Id} line {line + 1}: {error.GetMessage(CultureInfo.InvariantCulture)}");
                details.AppendLine(CultureInfo.InvariantCulture, $"      {(code.Length > 200 ? code[..200] + "…" : code)}");
            }

            File.WriteAllText(Path.Combine(failedFolder, generated[index].HintName), text.ToString());
            File.WriteAllText(Path.Combine(failedFolder, Path.GetFileName(model.Path)), model.Text);
        }

        File.WriteAllText(Path.Combine(folder, "failures.txt"), details.ToString());
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"cannot type \((.*)\); it is a JsonElement")]
    private static partial System.Text.RegularExpressions.Regex UntypedReason();

    private sealed record SweepModel(int Index, string Id, string Path, string Text, string Namespace);

    private sealed class ModelText(string path, string text) : AdditionalText
    {
        public override string Path => path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text);
    }

    private sealed class Options(IReadOnlyList<SweepModel> models) : AnalyzerConfigOptionsProvider
    {
        private readonly Dictionary<string, SweepModel> _byPath = models.ToDictionary(m => m.Path, StringComparer.Ordinal);

        public override AnalyzerConfigOptions GlobalOptions { get; } = new Values(new() { ["build_property.RootNamespace"] = "Sweep" });

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Values([]);

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
            _byPath.TryGetValue(textFile.Path, out var model)
                ? new Values(new() { ["build_metadata.AdditionalFiles.SourceItemGroup"] = "ReplicateModel", ["build_metadata.AdditionalFiles.Namespace"] = model.Namespace })
                : new Values([]);
    }

    private sealed class Values(Dictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
    }
}
