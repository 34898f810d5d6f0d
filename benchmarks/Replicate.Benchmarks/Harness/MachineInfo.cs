using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;

namespace Replicate.Benchmarks.Harness;

/// <summary>What the numbers were measured on.</summary>
public sealed record MachineInfo(string Cpu, int Cores, string Memory, string OperatingSystem, string Runtime, string Gc, string? Commit)
{
    /// <summary>
    /// Gets whether this program and the SDK run as ReadyToRun code (published with <c>PublishReadyToRun</c>): their
    /// methods then start precompiled and cold runs measure far less JIT. Read from the SDK assembly's PE header.
    /// </summary>
    public static bool ReadyToRun { get; } = IsReadyToRun(typeof(ReplicateClient).Assembly.Location);

    public static MachineInfo Describe()
    {
        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return new MachineInfo(
            CpuModel() ?? RuntimeInformation.ProcessArchitecture.ToString(),
            Environment.ProcessorCount,
            (memory / (1024.0 * 1024 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + " GiB",
            RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription + " (" + RuntimeInformation.RuntimeIdentifier + ")"
                + (ReadyToRun ? ", SDK and benchmark published ReadyToRun" : ", SDK and benchmark JIT-compiled (no ReadyToRun)"),
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

    private static string? GitCommit()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "describe --always --dirty --abbrev=10")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = AppContext.BaseDirectory,
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
