using Microsoft.CodeAnalysis;
using Replicate.Generators;

namespace Replicate.Generators.Tests;

/// <summary>Every diagnostic the generator reports, and that a broken file never breaks the build of unrelated code.</summary>
public class DiagnosticTests
{
    private const string Version = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa";

    private static string Model(string input, string output = """{"type":"string"}""", string extraSchemas = "") =>
        "{\"owner\":\"acme\",\"name\":\"odd-model\",\"description\":\"An odd model\",\"latest_version\":{\"id\":\"" + Version
        + "\",\"openapi_schema\":{\"components\":{\"schemas\":{\"Input\":" + input + ",\"Output\":" + output + extraSchemas + "}}}}}";

    private static GeneratorHarness.Result Run(params ModelFile[] files) => GeneratorHarness.Run(files, "public class Unrelated { }");

    private static void AssertOnly(GeneratorHarness.Result result, string id, string messagePart)
    {
        var diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Contains(messagePart, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Empty(result.CompileProblems());
    }

    [Fact]
    public void RPL001_AFileThatCannotBeRead() =>
        AssertOnly(Run(new ModelFile("models/missing.json", null)), "RPL001", "'models/missing.json' cannot be read");

    [Fact]
    public void RPL002_InvalidJson_NamesTheLine() =>
        AssertOnly(Run(new ModelFile("models/broken.json", "{\n  \"owner\": \"acme\",\n  \"name\": oops\n}")), "RPL002", "line 3");

    [Theory]
    [InlineData("[]", "not a JSON object")]
    [InlineData("""{"owner":"acme"}""", "no 'owner' and 'name'")]
    [InlineData("""{"owner":"acme","name":"x"}""", "no 'latest_version'")]
    [InlineData("""{"owner":"acme","name":"x","latest_version":{"openapi_schema":{}}}""", "no 'id'")]
    [InlineData("""{"owner":"acme","name":"x","latest_version":{"id":"v"}}""", "no 'openapi_schema'")]
    public void RPL003_NotAModel_SaysWhatIsMissing(string json, string reason) =>
        AssertOnly(Run(new ModelFile("models/x.json", json)), "RPL003", reason);

    [Fact]
    public void RPL004_NoInputSchema() =>
        AssertOnly(
            Run(new ModelFile("models/x.json", """{"owner":"acme","name":"x","latest_version":{"id":"v","openapi_schema":{"components":{"schemas":{}}}}}""")),
            "RPL004",
            "acme/x");

    [Fact]
    public void RPL005_NamesThatAreNotIdentifiers_AreSanitizedAndSaidSo()
    {
        var result = Run(new ModelFile("models/x.json", Model("""{"type":"object","properties":{"2x scale":{"type":"integer"},"class":{"type":"string"},"out":{"type":"string"}}}""")));

        var diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal("RPL005", diagnostic.Id);
        Assert.Contains("'2x scale'", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var source = result.Run.Results.Single().GeneratedSources.Single().SourceText.ToString();
        Assert.Contains("public long? _2xScale { get; init; }", source, StringComparison.Ordinal);
        Assert.Contains("public string? Class { get; init; }", source, StringComparison.Ordinal);
        Assert.Contains("public string? Out { get; init; }", source, StringComparison.Ordinal);
        Assert.Empty(result.CompileProblems());
    }

    [Fact]
    public void RPL006_DuplicatesAfterPascalCasing_GetANumber()
    {
        var result = Run(new ModelFile("models/x.json", Model(
            """{"type":"object","properties":{"lora_scale":{"type":"number"},"LoraScale":{"type":"number"},"mode":{"allOf":[{"$ref":"#/components/schemas/mode"}]}}}""",
            extraSchemas: ""","mode":{"type":"string","enum":["a-b","a_b","A B"]}""")));

        Assert.Equal(3, result.GeneratorDiagnostics.Count(d => d.Id == "RPL006"));
        var source = result.Run.Results.Single().GeneratedSources.Single().SourceText.ToString();
        Assert.Contains("public double? LoraScale2 { get; init; }", source, StringComparison.Ordinal);
        Assert.Contains("public static Mode AB3 { get; }", source, StringComparison.Ordinal);
        Assert.Empty(result.CompileProblems());
    }

    [Fact]
    public void RPL007_WhatCannotBeTyped_IsAJsonElement()
    {
        var result = Run(new ModelFile("models/x.json", Model(
            """{"type":"object","properties":{"config":{"type":"object"},"choice":{"anyOf":[{"type":"string"},{"type":"integer"}]},"maybe":{"anyOf":[{"type":"integer"},{"type":"null"}]}}}""",
            output: "{}")));

        Assert.Equal(3, result.GeneratorDiagnostics.Count(d => d.Id == "RPL007"));
        var source = result.Run.Results.Single().GeneratedSources.Single().SourceText.ToString();
        Assert.Contains("public global::System.Text.Json.JsonElement? Config { get; init; }", source, StringComparison.Ordinal);
        Assert.Contains("public long? Maybe { get; init; }", source, StringComparison.Ordinal);
        Assert.Contains("ReplicateModel<Input, global::System.Text.Json.JsonElement>", source, StringComparison.Ordinal);
        Assert.Empty(result.CompileProblems());
    }

    [Theory]
    [InlineData("class", null, "ClassName")]
    [InlineData(null, "My..Models", "Namespace")]
    public void RPL008_InvalidMetadata(string? className, string? ns, string what)
    {
        var result = Run(new ModelFile("models/x.json", Model("""{"type":"object","properties":{}}"""), className, ns));
        AssertOnly(result, "RPL008", what);
    }

    [Fact]
    public void RPL009_TwoFilesForOneClass_TheSecondIsReported()
    {
        var result = Run(new ModelFile("models/a.json", Model("""{"type":"object","properties":{}}""")), new ModelFile("models/b.json", Model("""{"type":"object","properties":{}}""")));

        AssertOnly(result, "RPL009", "'models/a.json' and 'models/b.json'");
        Assert.Single(result.Run.Results.Single().GeneratedSources);
    }

    [Fact]
    public void RPL010_ABugOfTheGenerator_NamesTheFileAndTheException()
    {
        // No schema known makes the generator throw (the sweep over every public model says so); if one does, the catch
        // around each file reports this instead of losing every model of the project.
        Exception thrown;
        try
        {
            throw new KeyNotFoundException("The given key 'Value' was not present in the dictionary.");
        }
        catch (KeyNotFoundException ex)
        {
            thrown = ex;
        }

        var diagnostic = ReplicateModelGenerator.Failure("models/x.json", thrown).ToDiagnostic();

        Assert.Equal("RPL010", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        var message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("'models/x.json'", message, StringComparison.Ordinal);
        Assert.Contains("KeyNotFoundException: The given key 'Value'", message, StringComparison.Ordinal);
        Assert.Contains(nameof(RPL010_ABugOfTheGenerator_NamesTheFileAndTheException), message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABrokenFile_DoesNotStopTheOtherModels_NorTheUsersCode()
    {
        var result = GeneratorHarness.Run(
            [new ModelFile("models/broken.json", "{"), ModelFile.Fixture("replicate--hello-world")],
            "public class Unrelated { public TestApp.HelloWorld.Input Make() => new() { Text = \"hi\" }; }");

        Assert.Equal("RPL002", Assert.Single(result.GeneratorDiagnostics).Id);
        Assert.Single(result.Run.Results.Single().GeneratedSources);
        Assert.Null(result.Run.Results.Single().Exception);
        Assert.Empty(result.CompileProblems());
    }

    [Theory]
    [InlineData("num_inference_steps", "NumInferenceSteps")]
    [InlineData("flux-schnell", "FluxSchnell")]
    [InlineData("plain text", "PlainText")]
    [InlineData("16:9", "_16x9")]
    [InlineData("0.25", "_0_25")]
    [InlineData("5.0", "_5_0")]
    [InlineData("1024", "_1024")]
    [InlineData("K_EULER", "KEULER")]
    [InlineData("LR", "LR")]
    [InlineData("out", "Out")]
    [InlineData("gpt-4o-mini", "Gpt4oMini")]
    [InlineData("claude-3-5-sonnet", "Claude3_5Sonnet")]
    [InlineData("", "Value")]
    [InlineData("✓", "Value")]
    [InlineData("-1", "Minus1")]
    [InlineData("-0.5", "Minus0_5")]
    [InlineData("a-1", "A1")]
    [InlineData("中文", "中文")]
    [InlineData("été", "Été")]
    public void Naming_Table(string wire, string csharp) => Assert.Equal(csharp, Naming.Pascal(wire));
}
