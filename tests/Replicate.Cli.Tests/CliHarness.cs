using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Replicate.Testing;

namespace Replicate.Cli.Tests;

/// <summary>What a finished <c>replicate</c> process left: its exit code, stdout and stderr.</summary>
internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>
/// An emulator on 127.0.0.1 hosted by the test, a private home folder (config goes there, never to the real user's), a
/// working folder, and the built tool started as a child process against them. The child gets no inherited
/// <c>REPLICATE_*</c> variable, so nothing can reach a real account.
/// </summary>
internal sealed class CliHarness : IAsyncDisposable
{
    public static readonly string CliPath = typeof(CliHarness).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ReplicateCliPath").Value!;

    private CliHarness(ReplicateEmulator emulator, DirectoryInfo root)
    {
        Emulator = emulator;
        Root = root;
        Home = root.CreateSubdirectory("home");
        WorkDir = root.CreateSubdirectory("work");
        Environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["HOME"] = Home.FullName,
            ["XDG_CONFIG_HOME"] = Path.Combine(Home.FullName, ".config"),
            ["APPDATA"] = Path.Combine(Home.FullName, "AppData"),
            ["NO_COLOR"] = "1",
            ["REPLICATE_BASE_URL"] = emulator.BaseAddress.ToString(),
            ["REPLICATE_API_TOKEN"] = emulator.ApiToken,
            ["REPLICATE_POLL_INTERVAL"] = "0.05",
        };
    }

    public ReplicateEmulator Emulator { get; }

    public DirectoryInfo Root { get; }

    public DirectoryInfo Home { get; }

    public DirectoryInfo WorkDir { get; }

    /// <summary>The child's environment on top of this process's (minus every <c>REPLICATE_*</c>); null removes a variable.</summary>
    public Dictionary<string, string?> Environment { get; }

    public string ConfigFile => Path.Combine(Home.FullName, ".config", "replicate", "config.json");

    public static async Task<CliHarness> StartAsync(Action<ReplicateEmulatorOptions>? configure = null)
    {
        var options = new ReplicateEmulatorOptions { DemoTokenDelay = TimeSpan.Zero };
        configure?.Invoke(options);
        var emulator = await ReplicateEmulator.StartAsync(options);
        return new CliHarness(emulator, Directory.CreateTempSubdirectory("replicate-cli-test-"));
    }

    /// <summary>A model that runs for 30 s unless canceled: a prediction to interrupt.</summary>
    public void AddSlowModel(string name) => Emulator.AddModel(name, async (_, context) =>
    {
        await Task.Delay(TimeSpan.FromSeconds(30), context.CancellationToken);
        return "late";
    });

    /// <summary>Waits until <paramref name="condition"/> holds, polling every 20 ms, at most <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException("The condition did not hold within " + timeout + ".");
            }

            await Task.Delay(20);
        }
    }

    public Task<CliResult> RunAsync(params string[] args) => RunAsync(args, stdin: null);

    public async Task<CliResult> RunAsync(string[] args, string? stdin, TimeSpan? timeout = null)
    {
        await using var run = Start(args, stdin);
        return await run.WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(60));
    }

    public CliRun Start(string[] args, string? stdin = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = WorkDir.FullName,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(CliPath);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("REPLICATE_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in Environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        return new CliRun(Process.Start(start)!, stdin);
    }

    public async ValueTask DisposeAsync()
    {
        await Emulator.DisposeAsync();
        try
        {
            Root.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A running <c>replicate</c> process: stdout and stderr read as they come, SIGINT on request, a bounded wait.</summary>
internal sealed partial class CliRun : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task _stderrPump;
    private readonly StringBuilder _stderr = new();

    public CliRun(Process process, string? stdin)
    {
        _process = process;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderrPump = PumpAsync(process.StandardError);
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
        }

        process.StandardInput.Close();
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Waits (bounded) until stderr contains <paramref name="text"/>.</summary>
    public async Task WaitForStderrAsync(string text, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!Stderr.Contains(text, StringComparison.Ordinal))
        {
            if (deadline.Elapsed > timeout || _process.HasExited)
            {
                throw new TimeoutException($"stderr never showed '{text}'. So far:\n{Stderr}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Sends SIGINT (Ctrl+C) to the process.</summary>
    public void Interrupt()
    {
        Assert.True(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "SIGINT needs a Unix system.");
        Assert.Equal(0, Kill(_process.Id, 2));
    }

    public async Task<CliResult> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"replicate did not exit within {timeout}. stderr:\n{Stderr}");
        }

        var stdout = await _stdout;
        await _stderrPump;
        return new CliResult(_process.ExitCode, stdout, Stderr);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task PumpAsync(StreamReader reader)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            lock (_stderr)
            {
                _stderr.Append(buffer, 0, read);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
