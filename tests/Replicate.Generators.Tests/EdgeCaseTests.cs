using System.Globalization;
using Microsoft.CodeAnalysis;

namespace Replicate.Generators.Tests;

/// <summary>
/// What the sweep over every public model (eng/typed-models-sweep.sh) and a read of real schemas turned up, each as a
/// small hand-written schema: the generator must never throw and never emit code that does not compile (nullable on, XML
/// docs checked, warnings as errors); what it cannot type is a JsonElement with a diagnostic.
/// </summary>
public class EdgeCaseTests
{
    private const string Version = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa";

    private static string Model(string input, string output = """{"type":"string"}""", string extraSchemas = "", string name = "odd-model", string description = "An odd model") =>
        "{\"owner\":\"acme\",\"name\":\"" + name + "\",\"description\":\"" + description + "\",\"latest_version\":{\"id\":\"" + Version
        + "\",\"openapi_schema\":{\"components\":{\"schemas\":{\"Input\":" + input + ",\"Output\":" + output + extraSchemas + "}}}}}";

    private static string EnumInput(string values, string type = "string") =>
        """{"type":"object","properties":{"choice":{"allOf":[{"$ref":"#/components/schemas/choice"}]}}}""";

    private static string EnumSchema(string values, string type = "string", string name = "choice") =>
        ",\"" + name + "\":{\"title\":\"" + name + "\",\"type\":\"" + type + "\",\"enum\":" + values + "}";

    /// <summary>Runs the generator on one model and checks what every test needs: no exception, one file, code that compiles.</summary>
    private static (string Source, IReadOnlyList<Diagnostic> Diagnostics) Generate(string json, string user = "")
    {
        var result = GeneratorHarness.Run([new ModelFile("models/odd.json", json)], user);
        var run = result.Run.Results.Single();
        Assert.Null(run.Exception);
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Id is "RPL010" or "CS8784" or "CS8785");
        var source = Assert.Single(run.GeneratedSources).SourceText.ToString();
        Assert.Empty(result.CompileProblems());
        return (source, result.GeneratorDiagnostics);
    }

    private static string Message(Diagnostic diagnostic) => diagnostic.GetMessage(CultureInfo.InvariantCulture);

    [Fact]
    public void Descriptions_WithCharactersXmlCannotHold_StayValidDocs()
    {
        // deepseek-ai/deepseek-math-7b-instruct: "\boxed{}" in JSON is a backspace then "oxed{}": CS1570 in the XML doc.
        const string odd = "a\\bb ]]> <tag> & \\u0001 \\ud800 lone, \\udc00 lone, pair \\ud83d\\ude00 \\u2028 next line \\u0085 \\u2029 */ <!-- \\r\\n end";
        var (source, _) = Generate(Model(
            """{"type":"object","properties":{"prompt":{"type":"string","description":"DESC","default":"DESC"},"raw":{"type":"object","default":{"a":[1,"DESC"]}}}}""".Replace("DESC", odd, StringComparison.Ordinal),
            description: odd));

        Assert.Contains("pair \U0001F600", source, StringComparison.Ordinal);
        Assert.DoesNotContain("\u2028", source, StringComparison.Ordinal);
        Assert.DoesNotContain("\u0001", source, StringComparison.Ordinal);
        Assert.Contains("\\ud800", source, StringComparison.Ordinal); // kept in the embedded schema, escaped
    }

    [Fact]
    public void ListsOfLists_AreWrittenAndRead()
    {
        var (source, _) = Generate(Model(
            """{"type":"object","required":["boxes"],"properties":{"boxes":{"type":"array","items":{"type":"array","items":{"type":"integer"}}},"tags":{"type":"array","items":{"type":"array","items":{"type":"array","items":{"type":"string"}}}}}}""",
            output: """{"type":"array","items":{"type":"array","items":{"type":"number"}}}"""));

        Assert.Contains("public required global::System.Collections.Generic.IReadOnlyList<global::System.Collections.Generic.IReadOnlyList<long>> Boxes", source, StringComparison.Ordinal);
        Assert.Contains("foreach (var item0_1 in item0)", source, StringComparison.Ordinal);
        Assert.Contains("ReadList(output.Json, x => ReadValueList(x, x1 => ReadNumber(x1)))", source, StringComparison.Ordinal);
    }
}
