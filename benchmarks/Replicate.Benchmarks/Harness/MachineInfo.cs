using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;

namespace Replicate.Benchmarks.Harness;

/// <summary>What the numbers were measured on.</summary>
public sealed record MachineInfo(string Cpu, int Cores, string Memory, string OperatingSystem, string Runtime, string Gc, string? Commit)
{
    /// <summary>
    /// Gets whether this program was published ReadyToRun (<c>PublishReadyToRun</c>, the SDK with it): its methods then
    /// start precompiled and cold runs measure far less JIT. Read from the PE header, as <see cref="SdkReadyToRun"/>.
    /// </summary>
    public static bool ReadyToRun { get; } = IsReadyToRun(typeof(MachineInfo).Assembly.Location);

    /// <summary>
    /// Gets whether the SDK runs from a ReadyToRun image: under a ReadyToRun publish, or as its package ships it on
    /// linux-x64 (a Release build of this program puts that image in place of the IL, see the project file).
    /// </summary>
    public static bool SdkReadyToRun { get; } = IsReadyToRun(typeof(ReplicateClient).Assembly.Location);

    /// <summary>Gets the start of the results' file names: <c>r2r-</c> published ReadyToRun, <c>il-</c> the SDK's IL, none for the SDK as packaged.</summary>
    public static string TablePrefix => ReadyToRun ? "r2r-" : SdkReadyToRun ? string.Empty : "il-";

    private static string Compilation => ReadyToRun
        ? "SDK and benchmark published ReadyToRun"
        : SdkReadyToRun
            ? "SDK as packaged for this platform (its ReadyToRun image), benchmark JIT-compiled"
            : "SDK and benchmark JIT-compiled (the SDK's IL, as on platforms its package has no image for)";

    public static MachineInfo Describe()
    {
        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return new MachineInfo(
            CpuModel() ?? RuntimeInformation.ProcessArchitecture.ToString(),
            Environment.ProcessorCount,
            (memory / (1024.0 * 1024 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + " GiB",
            RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription + " (" + RuntimeInformation.RuntimeIdentifier + ")"
                + ", " + Compilation,
            (GCSettings.IsServerGC ? "server" : "workstation") + (GCSettings.LatencyMode == GCLatencyMode.Batch ? ", non-concurrent" : ", concurrent"),
            GitCommit());
    }

    /// <summary>The 1, 5 and 15 minute load averages (<c>/proc/loadavg</c>), or null where there is none.</summary>
    public static string? LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool IsReadyToRun(string path)
    {
        try
        {
            using var pe = new System.Reflection.PortableExecutable.PEReader(File.OpenRead(path));
            return pe.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0;
        }
        catch (Exception ex) when (ex is IOException or BadImageFormatException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string? CpuModel()
    {
        try
        {
            const string prefix = "model name";
            return File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
                : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The commit of the build directory's repository, else of the working directory's (a publish outside the repository).</summary>
    private static string? GitCommit() => GitCommitIn(AppContext.BaseDirectory) ?? GitCommitIn(Environment.CurrentDirectory);

    private static string? GitCommitIn(string directory)
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "describe --always --dirty --abbrev=10")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = directory,
            });
            if (git is null)
            {
                return null;
            }

            var output = git.StandardOutput.ReadToEnd().Trim();
            return git.WaitForExit(5_000) && git.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
