using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Replicate.Testing;

namespace Replicate.Samples.Tests;

/// <summary>
/// samples/NativeAot published with PublishAot=true: the SDK and the generated typed models compile to a native binary
/// with no trimming or AOT warning from our assemblies, and the binary runs typed calls and a token stream against an
/// emulator. Publishing needs clang and zlib1g-dev (.ci/run installs them).
/// </summary>
public class NativeAotTests
{
    [NativeAotFact]
    public async Task TheTypedModelsSample_PublishesAsNativeAot_WithoutWarnings_AndRunsAgainstTheEmulator()
    {
        var root = RepositoryRoot();
        var output = Directory.CreateTempSubdirectory("replicate-aot-");
        try
        {
            var (exit, log) = await RunAsync(root, TimeSpan.FromMinutes(12), null, Dotnet(), "publish", Path.Combine(root, "samples", "NativeAot", "NativeAot.csproj"),
                "-c", "Release", "-r", "linux-x64", "-o", output.FullName, "--disable-build-servers", "-nodeReuse:false");

            Assert.True(exit == 0, "publish failed:\n" + log);
            var ours = Regex.Matches(log, @"^.*warning IL\d{4}.*$", RegexOptions.Multiline).Select(m => m.Value).Where(l => l.Contains("Replicate", StringComparison.Ordinal)).Distinct().ToList();
            Assert.True(ours.Count == 0, "trimming/AOT warnings from our assemblies:\n" + string.Join('\n', ours));

            await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { DemoTokenDelay = TimeSpan.Zero });
            emulator.AddModelFromSchemaFile(Path.Combine(root, "samples", "NativeAot", "models", "flux-schnell.json"), (_, ctx) =>
                Task.FromResult<object?>(new[] { ctx.AddFile("out-0.webp", "RIFF0000WEBP"u8.ToArray(), "image/webp") }));
            emulator.AddModelFromSchemaFile(Path.Combine(root, "samples", "NativeAot", "models", "llama3.json"), (_, ctx) =>
            {
                ctx.Output("Hello");
                ctx.Output(" from AOT");
                return Task.FromResult<object?>(null);
            });

            var (code, text) = await RunAsync(output.FullName, TimeSpan.FromMinutes(1), new Dictionary<string, string>
            {
                ["REPLICATE_BASE_URL"] = emulator.BaseAddress.ToString(),
                ["REPLICATE_API_TOKEN"] = emulator.ApiToken!,
            }, Path.Combine(output.FullName, "NativeAot"));

            Assert.True(code == 0, text);
            Assert.Contains("image: http://127.0.0.1:", text, StringComparison.Ordinal);
            Assert.Contains("(12 bytes)", text, StringComparison.Ordinal);
            Assert.Contains("text: Hello from AOT", text, StringComparison.Ordinal);
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    private static string Dotnet() => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    private static async Task<(int ExitCode, string Output)> RunAsync(string workingDirectory, TimeSpan limit, Dictionary<string, string>? environment, string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // A build started from inside dotnet test must not inherit the test host's MSBuild settings.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment.Remove("REPLICATE_API_TOKEN");
        foreach (var (name, value) in environment ?? [])
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, new StringBuilder().Append(await stdout).Append(await stderr).ToString());
    }

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
}

/// <summary>
/// A test that publishes with Native AOT, which needs clang. Without it (and outside CI) it is skipped with the install
/// command as the reason; with CI=true (.ci/run installs clang) it always runs and fails loudly if clang is missing.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class NativeAotFactAttribute : FactAttribute
{
    public NativeAotFactAttribute()
    {
        var hasClang = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator).Any(p => File.Exists(Path.Combine(p, "clang")));
        if (!hasClang && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = "Native AOT publishing needs clang, which is not installed: `apt-get install clang zlib1g-dev` (Debian). With CI=true this test runs, and fails without it.";
        }
    }
}
