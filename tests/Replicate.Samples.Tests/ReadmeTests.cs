using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Replicate.Samples.Tests;

/// <summary>The README's examples that are whole programs compile against the SDK, and its instructions work as written.</summary>
public partial class ReadmeTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));

    [Fact]
    public void TheTopExample_Compiles_AndSavesTheImageUnderItsOwnExtension()
    {
        var top = CSharpBlocks(Readme)[0];

        AssertCompiles(top);
        Assert.DoesNotMatch(@"SaveAsync\(""[^""]*\.(webp|png|jpg)""", top); // the emulator returns PNG, Replicate WebP by default
    }

    [Fact]
    public void TheRunningModelsExample_Compiles_WithItsRecordAfterTheStatements()
    {
        var block = CSharpBlocks(Section("## Running models"))[0];

        Assert.Contains("record Caption", block, StringComparison.Ordinal);
        AssertCompiles(block);
    }

    [Fact]
    public void TheCancellationSection_ShowsACompilingCtrlCPattern()
    {
        var block = Assert.Single(CSharpBlocks(Section("## Cancellation")), b => b.Contains("Console.CancelKeyPress", StringComparison.Ordinal));

        Assert.Contains("e.Cancel = true", block, StringComparison.Ordinal);
        Assert.Contains("cancellationToken: cancel.Token", block, StringComparison.Ordinal);
        AssertCompiles(block);
    }

    [Fact]
    public void TheBatchSection_Compiles_WithAJournalAndProgress()
    {
        var block = CSharpBlocks(Section("## Batches and rate limits"))[0];
        Assert.Contains("RunBatchAsync", block, StringComparison.Ordinal);
        Assert.Contains("JournalPath", block, StringComparison.Ordinal);
        AssertCompiles(block);
    }

    [Fact]
    public void Install_SaysNothingIsPublishedYet_AndShowsALocalFeed()
    {
        var install = Section("## Install");

        Assert.Contains("Nothing is published on NuGet yet", install, StringComparison.Ordinal);
        Assert.Matches(@"dotnet pack src/Replicate -c Release -o \S+", install);
        Assert.Matches(@"dotnet add package Replicate\.Sdk --version \S+ --source ""[^""]+;https://api\.nuget\.org/v3/index\.json""", install);
    }

    private static void AssertCompiles(string program)
    {
        // What an SDK console project gets: implicit usings, nullable on, the SDK referenced.
        const string ImplicitUsings = """
            global using global::System;
            global using global::System.Collections.Generic;
            global using global::System.IO;
            global using global::System.Linq;
            global using global::System.Net.Http;
            global using global::System.Threading;
            global using global::System.Threading.Tasks;
            """;
        var options = new CSharpParseOptions(LanguageVersion.CSharp10);
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Append(typeof(ReplicateClient).Assembly.Location)
            .Distinct()
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create(
            "ReadmeExample",
            [CSharpSyntaxTree.ParseText(ImplicitUsings, options), CSharpSyntaxTree.ParseText(program, options)],
            references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));

        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        Assert.True(errors.Count == 0, "The README example does not compile:\n" + string.Join("\n", errors) + "\n\n" + program);
    }

    private static string Section(string heading)
    {
        var start = Readme.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"The README has no section '{heading}'.");
        var end = Readme.IndexOf("\n## ", start + heading.Length + 2, StringComparison.Ordinal);
        return end < 0 ? Readme[start..] : Readme[start..end];
    }

    private static List<string> CSharpBlocks(string markdown) => [.. CSharpBlock().Matches(markdown).Select(m => m.Groups[1].Value)];

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Replicate.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("Replicate.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
