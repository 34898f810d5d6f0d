using System.Diagnostics;
using System.Text;

namespace Replicate.Tests;

/// <summary>
/// The package as an app receives it: packed into a folder feed, restored and built by a small console project pinned
/// to the lowest Microsoft.Extensions.* 10.0 packages. A dependency floor above what an app has fails restore with
/// NU1605, so the floors must be the lowest versions that work. Needs only the repository's own NuGet feed.
/// </summary>
public class PackagingTests
{
    private const string Floor = "10.0.0";

    [Fact]
    public async Task AConsumerOnTheFloorVersionsOfMicrosoftExtensions_RestoresBuildsAndRuns_WithTypedModelsFromThePackage()
    {
        var root = RepositoryRoot();
        var work = Directory.CreateTempSubdirectory("replicate-floor-");
        try
        {
            // A version of its own, so no copy of Replicate.Sdk in the machine's package cache can stand in for this one.
            var version = "0.1.0-floor." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", System.Globalization.CultureInfo.InvariantCulture);
            var feed = Path.Combine(work.FullName, "feed");
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            await DotnetAsync(root, "pack", Path.Combine(root, "src", "Replicate", "Replicate.csproj"), "--no-build", "-c", configuration, "-o", feed, "-p:PackageVersion=" + version);

            var app = Directory.CreateDirectory(Path.Combine(work.FullName, "app")).FullName;
            await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), NuGetConfigWith(feed, await File.ReadAllTextAsync(Path.Combine(root, "nuget.config"))));
            await File.WriteAllTextAsync(Path.Combine(app, "Consumer.csproj"), $$"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <Nullable>enable</Nullable>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                    <RestorePackagesPath>{{Path.Combine(work.FullName, "packages")}}</RestorePackagesPath>
                    <RestoreAdditionalProjectFallbackFolders>{{GlobalPackagesFolder()}}</RestoreAdditionalProjectFallbackFolders>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="Replicate.Sdk" Version="{{version}}" />
                    <PackageReference Include="Microsoft.Extensions.Http" Version="{{Floor}}" />
                    <PackageReference Include="Microsoft.Extensions.Logging.Abstractions" Version="{{Floor}}" />
                    <PackageReference Include="Microsoft.Extensions.Options.ConfigurationExtensions" Version="{{Floor}}" />
                    <PackageReference Include="Microsoft.Extensions.Configuration.Binder" Version="{{Floor}}" />
                  </ItemGroup>
                  <ItemGroup>
                    <ReplicateModel Include="models/flux-schnell.json" />
                    <ReplicateModel Include="models/whisper.json" ClassName="Transcriber" Namespace="Consumer.Models" />
                  </ItemGroup>
                </Project>
                """);

            // Typed models come with the package alone: its generator (analyzers/dotnet/cs) and its targets file
            // (buildTransitive) turn these items into classes, under nullable and warnings as errors.
            var models = Directory.CreateDirectory(Path.Combine(app, "models")).FullName;
            File.Copy(Path.Combine(AppContext.BaseDirectory, "model-schemas", "black-forest-labs--flux-schnell.json"), Path.Combine(models, "flux-schnell.json"));
            File.Copy(Path.Combine(AppContext.BaseDirectory, "model-schemas", "openai--whisper.json"), Path.Combine(models, "whisper.json"));
            await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), """
                using Microsoft.Extensions.DependencyInjection;
                using Replicate;

                var services = new ServiceCollection();
                services.AddReplicate(o => o.ApiToken = "r8_floor_test");
                using var provider = services.BuildServiceProvider();
                Console.WriteLine("ok " + provider.GetRequiredService<ReplicateClient>().BaseAddress);
                var input = new Consumer.FluxSchnell.Input { Prompt = "fox", AspectRatio = Consumer.FluxSchnell.AspectRatio._16x9 };
                Console.WriteLine("typed " + Consumer.FluxSchnell.Model.Identifier + " " + input.AspectRatio + " " + Consumer.Models.Transcriber.Model.Identifier.Name);
                var sdk = typeof(ReplicateClient).Assembly.Location;
                using var image = new System.Reflection.PortableExecutable.PEReader(File.OpenRead(sdk));
                var readyToRun = image.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0;
                Console.WriteLine("image " + (readyToRun ? "readytorun " : "il ") + Path.GetRelativePath(AppContext.BaseDirectory, sdk).Replace('\\', '/'));
                """);

            // Whisper's output has a member without a type: the generator warns (RPL007), which an app may accept.
            await DotnetAsync(app, "build", "Consumer.csproj", "-c", "Release", "-p:NoWarn=RPL007");
            var output = await DotnetAsync(app, Path.Combine(app, "bin", "Release", "net10.0", "Consumer.dll"));

            Assert.Contains("ok https://api.replicate.com/v1/", output, StringComparison.Ordinal);
            Assert.Contains("typed black-forest-labs/flux-schnell:53d5d1586a229bd033e060941789bfb0c177cefd5ef638f34b3099658343a897 16:9 whisper", output, StringComparison.Ordinal);

            // The package's ReadyToRun image (runtimes/linux-x64/lib) is what a portable app loads on linux-x64; elsewhere the IL.
            Assert.Contains(
                System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier == "linux-x64"
                    ? "image readytorun runtimes/linux-x64/lib/net10.0/Replicate.dll"
                    : "image il Replicate.dll",
                output,
                StringComparison.Ordinal);
            using (var package = System.IO.Compression.ZipFile.OpenRead(Path.Combine(feed, $"Replicate.Sdk.{version}.nupkg")))
            {
                Assert.Equal(
                    ["lib/net10.0/Replicate.dll", .. ReadyToRunImages.Keys.Select(rid => $"runtimes/{rid}/lib/net10.0/Replicate.dll").Order()],
                    package.Entries.Select(e => e.FullName).Where(n => n.EndsWith("/Replicate.dll", StringComparison.Ordinal)).Order());

                // Each image is precompiled code for its own platform: only linux-x64 can be run here, so the others are
                // checked by their headers. lib/ stays IL for every other platform.
                Assert.Equal(("IL", (ushort)0x14c), ImageKind(package.GetEntry("lib/net10.0/Replicate.dll")!));
                foreach (var (rid, machine) in ReadyToRunImages)
                {
                    Assert.Equal(("ReadyToRun", machine), ImageKind(package.GetEntry($"runtimes/{rid}/lib/net10.0/Replicate.dll")!));
                }
            }

            var assets = await File.ReadAllTextAsync(Path.Combine(app, "obj", "project.assets.json"));
            Assert.Contains($"\"Microsoft.Extensions.Http/{Floor}\"", assets, StringComparison.Ordinal);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The platforms the package carries a ReadyToRun image for, with the machine type crossgen2 writes for each: the
    /// CPU's (x64 0x8664, Arm64 0xAA64), XOR-ed with a mark for the OS (Linux 0x7B79, Apple 0x4644, Windows none).
    /// </summary>
    private static readonly Dictionary<string, ushort> ReadyToRunImages = new()
    {
        ["linux-x64"] = 0x8664 ^ 0x7B79,
        ["linux-arm64"] = 0xAA64 ^ 0x7B79,
        ["win-x64"] = 0x8664,
        ["osx-arm64"] = 0xAA64 ^ 0x4644,
    };

    /// <summary>Whether a packed assembly is IL or a ReadyToRun image, and the machine type in its PE header.</summary>
    private static (string Kind, ushort Machine) ImageKind(System.IO.Compression.ZipArchiveEntry entry)
    {
        using var bytes = new MemoryStream();
        using (var stream = entry.Open())
        {
            stream.CopyTo(bytes);
        }

        bytes.Position = 0;
        using var image = new System.Reflection.PortableExecutable.PEReader(bytes);
        var readyToRun = image.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0;
        return (readyToRun ? "ReadyToRun" : "IL", (ushort)image.PEHeaders.CoffHeader.Machine);
    }

    /// <summary>The repository's own package sources, with the folder feed first.</summary>
    private static string NuGetConfigWith(string feed, string repositoryConfig)
    {
        const string Clear = "<clear />";
        var at = repositoryConfig.IndexOf(Clear, StringComparison.Ordinal);
        Assert.True(at >= 0, "The repository's nuget.config is expected to <clear /> its sources.");
        return repositoryConfig.Insert(at + Clear.Length, $"\n    <add key=\"replicate-local\" value=\"{feed}\" />");
    }

    private static async Task<string> DotnetAsync(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (arguments[0] is "build" or "pack")
        {
            // No build servers or nodes left running after the test.
            start.ArgumentList.Add("--disable-build-servers");
            start.ArgumentList.Add("-nodeReuse:false");
        }

        // The test runs under dotnet test: its MSBuild variables must not steer this separate build.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        output.Append(await stdout).Append(await stderr);
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} exited {process.ExitCode}:\n{output}");
        return output.ToString();
    }

    private static string GlobalPackagesFolder() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

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
