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
    public void EnumValuesOfAnotherScript_KeepTheirLetters_AndSymbolsOnlyValuesDoNotCrash()
    {
        // datong-new/vc and cjwbw/melotts: every value became 'Value', which the enum's own property has: a crash.
        var (source, diagnostics) = Generate(Model(EnumInput(""), extraSchemas: EnumSchema("""["中文","英文","日英混合","-","+"]""")));

        Assert.Contains("public static Choice 中文 { get; } = new(\"中文\");", source, StringComparison.Ordinal);
        Assert.Contains("public static Choice 日英混合 { get; }", source, StringComparison.Ordinal);
        Assert.Contains("public static Choice Value2 { get; } = new(\"-\");", source, StringComparison.Ordinal);
        Assert.Contains("public static Choice Value3 { get; } = new(\"+\");", source, StringComparison.Ordinal);
        Assert.Contains(diagnostics, d => d.Id == "RPL005" && Message(d).Contains("'-'", StringComparison.Ordinal) && Message(d).Contains("already has", StringComparison.Ordinal));
        Assert.Contains(diagnostics, d => d.Id == "RPL006" && Message(d).Contains("'-' and '+'", StringComparison.Ordinal));
    }

    [Fact]
    public void AnEnumValueNamedLikeItsEnum_IsRenamed()
    {
        // wglint/3_rv: enum VAE with the value "VAE": a member may not have its type's name (CS0542); it was a crash.
        var (source, diagnostics) = Generate(Model(
            """{"type":"object","properties":{"VAE":{"allOf":[{"$ref":"#/components/schemas/VAE"}]}}}""",
            extraSchemas: EnumSchema("""["noVAE","VAE","VAE and noVAE"]""", name: "VAE")));

        Assert.Contains("public readonly partial struct VAE ", source, StringComparison.Ordinal);
        Assert.Contains("public static VAE VAE2 { get; } = new(\"VAE\");", source, StringComparison.Ordinal);
        Assert.Contains(diagnostics, d => d.Id == "RPL005" && Message(d).Contains("'VAE'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("value")]
    [InlineData("known_values")]
    [InlineData("to_string")]
    [InlineData("equality_contract")]
    [InlineData("input")]
    [InlineData("model")]
    [InlineData("descriptor")]
    public void EnumsNamedLikeMembers_DoNotCollide(string property)
    {
        // An enum struct named Value would hold a property Value; one named Input would clash with the Input record.
        var (source, _) = Generate(Model(
            """{"type":"object","properties":{"PROP":{"allOf":[{"$ref":"#/components/schemas/PROP"}]}}}""".Replace("PROP", property, StringComparison.Ordinal),
            extraSchemas: EnumSchema("""["Value","KnownValues","ToString","Equals","GetHashCode","GetType","a"]""", name: property)));

        Assert.Contains("public static", source, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("input", "InputModel")]
    [InlineData("model", "ModelModel")]
    [InlineData("descriptor", "DescriptorModel")]
    public void AModelNamedLikeAMemberOfItsClass_GetsASuffix(string name, string className)
    {
        var (source, _) = Generate(Model("""{"type":"object","properties":{"input":{"type":"string"}}}""", name: name));

        Assert.Contains($"public static partial class {className}", source, StringComparison.Ordinal);
        Assert.Contains("public string? Input2 { get; init; }", source, StringComparison.Ordinal);
    }

    [Fact]
    public void ClassNameMetadataNamedLikeAMember_IsRPL008()
    {
        var result = GeneratorHarness.Run([new ModelFile("models/x.json", Model("""{"type":"object","properties":{}}"""), ClassName: "Model")]);

        Assert.Equal("RPL008", Assert.Single(result.GeneratorDiagnostics).Id);
        Assert.Empty(result.CompileProblems());
    }

    [Theory]
    [InlineData("""{"owner":"ac me","name":"x","latest_version":{"id":"5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa","openapi_schema":{"components":{"schemas":{"Input":{}}}}}}""", "'owner'")]
    [InlineData("""{"owner":"acme","name":"a/b","latest_version":{"id":"5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa","openapi_schema":{"components":{"schemas":{"Input":{}}}}}}""", "'name'")]
    [InlineData("""{"owner":"acme","name":"x","latest_version":{"id":"v1","openapi_schema":{"components":{"schemas":{"Input":{}}}}}}""", "version id")]
    public void AnOwnerNameOrVersionTheApiWouldNotHave_IsRPL003_NotATypeInitializerThatThrows(string json, string part)
    {
        // The descriptor builds a ModelIdentifier when the class is first used; a bad part would throw there, at run time.
        var result = GeneratorHarness.Run([new ModelFile("models/x.json", json)]);

        var diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal("RPL003", diagnostic.Id);
        Assert.Contains(part, Message(diagnostic), StringComparison.Ordinal);
        Assert.Empty(result.Run.Results.Single().GeneratedSources);
    }

    [Fact]
    public void DuplicateEnumValues_AreListedOnce_AndIntegersCompareByValue()
    {
        // laion-ai/laionide-v2 lists "40" twice, meta/ic_gan "crane" and "maillot" twice.
        var (source, _) = Generate(Model(
            """{"type":"object","properties":{"steps":{"allOf":[{"$ref":"#/components/schemas/steps"}]},"size":{"allOf":[{"$ref":"#/components/schemas/size"}]}}}""",
            extraSchemas: EnumSchema("""["27","fast27","40","40"]""", name: "steps") + EnumSchema("[256, 512, 512, 0512]", "integer", "size")));

        Assert.Contains("new[] { _27, Fast27, _40 }", source, StringComparison.Ordinal);
        Assert.Contains("new[] { _256, _512 }", source, StringComparison.Ordinal);
    }

    [Fact]
    public void IntegerEnums_AtTheEdgesOfLong_AndBeyondIt()
    {
        var (source, diagnostics) = Generate(Model(
            """{"type":"object","properties":{"edges":{"allOf":[{"$ref":"#/components/schemas/edges"}]},"huge":{"allOf":[{"$ref":"#/components/schemas/huge"}]}}}""",
            extraSchemas: EnumSchema("[-9223372036854775808, 9223372036854775807, -1, 0]", "integer", "edges")
                + EnumSchema("[1, 99999999999999999999]", "integer", "huge")));

        Assert.Contains("new(-9223372036854775808)", source, StringComparison.Ordinal);
        Assert.Contains("public static Edges Minus1 { get; } = new(-1);", source, StringComparison.Ordinal);
        Assert.Contains("public global::System.Text.Json.JsonElement? Huge { get; init; }", source, StringComparison.Ordinal);
        Assert.Contains(diagnostics, d => d.Id == "RPL007" && Message(d).Contains("not all 64-bit integers", StringComparison.Ordinal));
    }

    [Fact]
    public void NegativeNumbersAndRenamesAfterADigit_ReadAsWhatTheyAre()
    {
        // shreejalmaharjan-27/waifu2x lists "-1" and "1": both were _1, and the second became _12, which reads as twelve.
        var (source, diagnostics) = Generate(Model(EnumInput(""), extraSchemas: EnumSchema("""["-1","0","1","1.0","1_0"]""")));

        Assert.Contains("new[] { Minus1, _0, _1, _1_0, _1_0_2 }", source, StringComparison.Ordinal);
        Assert.Contains(diagnostics, d => d.Id == "RPL006" && Message(d).Contains("the second is '_1_0_2'", StringComparison.Ordinal));
    }

    [Fact]
    public void NumberEnums_AreJsonWithRPL007_BooleanEnumsAreBool_NullAmongValuesIsIgnored()
    {
        var (source, diagnostics) = Generate(Model(
            """{"type":"object","properties":{"scale":{"type":"number","enum":[0.25,0.5,1]},"flag":{"type":"boolean","enum":[true,false]},"mode":{"type":"string","enum":["fast",null,"slow"]},"mixed":{"enum":["a",1,true]},"none":{"enum":[]}}}"""));

        Assert.Contains("public global::System.Text.Json.JsonElement? Scale { get; init; }", source, StringComparison.Ordinal);
        Assert.Contains("public bool? Flag { get; init; }", source, StringComparison.Ordinal);
        Assert.Contains("public Mode? Mode { get; init; }", source, StringComparison.Ordinal);
        Assert.Contains("new[] { Fast, Slow }", source, StringComparison.Ordinal);
        Assert.Equal(3, diagnostics.Count(d => d.Id == "RPL007"));
    }

    [Fact]
    public void IntegerTypeWithStringValues_FollowsTheValues()
    {
        // laion-ai/laionide-v2: side_x is type integer with choices "32", "48"...; what the model takes is the strings.
        var (source, _) = Generate(Model(EnumInput(""), extraSchemas: EnumSchema("""["32","48"]""", "integer")));

        Assert.Contains("public static Choice _32 { get; } = new(\"32\");", source, StringComparison.Ordinal);
        Assert.Contains("writer.WriteString(\"choice\", v0.Value);", source, StringComparison.Ordinal);
    }

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
    public void OddPropertiesAndRequired_AreIgnored_NotFatal()
    {
        var (source, _) = Generate(Model("""{"type":"object","properties":[{"type":"string"}],"required":["ghost",7]}"""));
        Assert.Contains("public sealed partial record Input", source, StringComparison.Ordinal);

        var (other, _) = Generate(Model("""{"type":"object","properties":{"a":{"type":"string"}},"required":"a"}"""));
        Assert.Contains("public string? A { get; init; }", other, StringComparison.Ordinal);

        var (third, _) = Generate(Model("""{"type":"object","properties":{"a":{"type":"string"}},"required":["a","ghost"]}"""));
        Assert.Contains("public required string A { get; init; }", third, StringComparison.Ordinal);
    }

    [Fact]
    public void PropertyNames_ThatAreSymbolsDigitsLongOrReserved_BecomeDistinctIdentifiers()
    {
        var longName = new string('a', 600);
        var (source, _) = Generate(Model(
            """{"type":"object","properties":{"":{"type":"string"},"!!!":{"type":"string"},"✓":{"type":"string"},"123":{"type":"integer"},"input":{"type":"string"},"equality_contract":{"type":"string"},"print_members":{"type":"string"},"LONG":{"type":"string"},"中文":{"type":"string"},"out":{"type":"string"},"CONTINUE":{"type":"string"},"Ref":{"type":"string"},"LR":{"type":"number"}}}"""
                .Replace("LONG", longName, StringComparison.Ordinal)));

        Assert.Contains("public string? Value { get; init; }", source, StringComparison.Ordinal);
        Assert.Contains("public string? Value2 { get; init; }", source, StringComparison.Ordinal);
        Assert.Contains("public string? Value3 { get; init; }", source, StringComparison.Ordinal);
        Assert.Contains("public long? _123 { get; init; }", source, StringComparison.Ordinal);
        Assert.Contains("public string? Input2 { get; init; }", source, StringComparison.Ordinal);
        Assert.Contains("public string? EqualityContract2 { get; init; }", source, StringComparison.Ordinal);
        Assert.Contains($"public string? A{new string('a', 127)} {{ get; init; }}", source, StringComparison.Ordinal);
        Assert.Contains("public string? 中文 { get; init; }", source, StringComparison.Ordinal);
        Assert.Contains("public string? CONTINUE { get; init; }", source, StringComparison.Ordinal);
    }

    [Fact]
    public void APropertyNamedLikeAnotherPropertysEnum_StillCompiles()
    {
        var (source, _) = Generate(Model(
            """{"type":"object","properties":{"size":{"allOf":[{"$ref":"#/components/schemas/mode"}]},"mode":{"type":"integer"}}}""",
            extraSchemas: EnumSchema("""["a","b"]""", name: "mode")));

        Assert.Contains("public Mode? Size { get; init; }", source, StringComparison.Ordinal);
        Assert.Contains("public long? Mode { get; init; }", source, StringComparison.Ordinal);
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

    [Fact]
    public void SelfReferences_EndAsRecursiveRecordsOrJson_NeverAStackOverflow()
    {
        var (source, diagnostics) = Generate(Model(
            """{"type":"object","properties":{"loop":{"allOf":[{"$ref":"#/components/schemas/Loop"}]}}}""",
            output: """{"$ref":"#/components/schemas/Node"}""",
            extraSchemas: ""","Loop":{"allOf":[{"$ref":"#/components/schemas/Loop"}]},"Node":{"type":"object","properties":{"name":{"type":"string"},"children":{"type":"array","items":{"$ref":"#/components/schemas/Node"}},"parent":{"$ref":"#/components/schemas/Node"}}}"""));

        Assert.Contains("public global::System.Collections.Generic.IReadOnlyList<Node>? Children { get; init; }", source, StringComparison.Ordinal);
        Assert.Contains("public Node? Parent { get; init; }", source, StringComparison.Ordinal);
        Assert.Contains(diagnostics, d => d.Id == "RPL007" && Message(d).Contains("reference to itself", StringComparison.Ordinal));
    }

    [Fact]
    public void OutputRecordsNamedLikeMembers_AndOutputEnumsOfEveryKind_Compile()
    {
        var (source, _) = Generate(Model(
            """{"type":"object","properties":{}}""",
            output: """{"type":"object","properties":{"to_string":{"type":"object","properties":{"to_string":{"type":"string"}}},"equals":{"type":"object","properties":{"x":{"type":"integer"}}},"kind":{"enum":[1,2]},"ratio":{"enum":[0.5,1]},"ok":{"enum":[true,false,null]},"mixed":{"enum":["a",1]},"untyped":{}}}"""));

        Assert.Contains("public sealed partial record ToString2", source, StringComparison.Ordinal);
        Assert.Contains("public long? Kind { get; init; }", source, StringComparison.Ordinal);
        Assert.Contains("public double? Ratio { get; init; }", source, StringComparison.Ordinal);
        Assert.Contains("public bool? Ok { get; init; }", source, StringComparison.Ordinal);
    }

    [Fact]
    public void ANamespaceOfAnotherScript_IsAValidHintName()
    {
        var result = GeneratorHarness.Run([new ModelFile("models/x.json", Model("""{"type":"object","properties":{}}"""), "Модель", "Модели.Ёлка")]);

        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Contains("public static partial class Модель", Assert.Single(result.Run.Results.Single().GeneratedSources).SourceText.ToString(), StringComparison.Ordinal);
        Assert.Empty(result.CompileProblems());
    }

    [Fact]
    public void TwoModelsWhoseClassesDifferOnlyInCase_BothGenerate()
    {
        // Roslyn compares hint names ignoring case: FluxDev.g.cs and Fluxdev.g.cs are one file to it, two classes to C#.
        var result = GeneratorHarness.Run(
            [new ModelFile("models/a.json", Model("""{"type":"object","properties":{}}""", name: "flux-dev")), new ModelFile("models/b.json", Model("""{"type":"object","properties":{}}""", name: "fluxdev"))],
            "public static class Use { public static object[] Both() => [TestApp.FluxDev.Model, TestApp.Fluxdev.Model]; }");

        Assert.Null(result.Run.Results.Single().Exception);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Equal(2, result.Run.Results.Single().GeneratedSources.Length);
        Assert.Empty(result.CompileProblems());
    }
}
