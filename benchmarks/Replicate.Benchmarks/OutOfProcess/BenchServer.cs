using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Replicate.Testing;

namespace Replicate.Benchmarks.OutOfProcess;

/// <summary>
/// The server of the out-of-process benchmarks, in a process of its own so the benchmark process's CPU time and
/// allocations are the client's alone: the emulator in a small host (this program with <c>--serve</c>), any command
/// that prints its origin on its first line (<c>node ../shared/fake-replicate/server.mjs</c>), or a server already
/// running at a URL. Every scenario drives it through model inputs both servers read the same way (the fake's
/// README: <c>tokens</c>, <c>token_size</c>, <c>delay_ms</c>, <c>file_bytes</c>), on one model name both accept.
/// </summary>
public sealed class BenchServer : IAsyncDisposable
{
    /// <summary>The model every out-of-process scenario runs (the fake takes any name; the emulator host registers it).</summary>
    public const string Model = "bench/any";

    private Process? _process;

    private BenchServer(Uri baseAddress, string token, string description, Process? process, bool isEmulatorHost = false)
    {
        BaseAddress = baseAddress;
        Token = token;
        Description = description;
        _process = process;
        IsEmulatorHost = isEmulatorHost;
    }

    /// <summary>The API base address (<c>…/v1/</c>); a restarted emulator host has a new one.</summary>
    public Uri BaseAddress { get; private set; }

    /// <summary>The bearer token the server accepts.</summary>
    public string Token { get; private set; }

    /// <summary>Whether this is the emulator host, which keeps every stream's events (so streams restart it per run).</summary>
    public bool IsEmulatorHost { get; }

    /// <summary>What the server is, for the report.</summary>
    public string Description { get; }

    /// <summary>A server already running at <paramref name="url"/> (its origin or its <c>/v1/</c> address).</summary>
    public static BenchServer At(string url, string? token) =>
        new(ApiBase(url), token ?? "r8_benchmark", "server at " + url, process: null);

    /// <summary>
    /// Starts <paramref name="command"/> (default: this program's <c>--serve</c>, the emulator host) and reads its origin
    /// from the first line it prints (and the token from the second, when it prints one).
    /// </summary>
    public static async Task<BenchServer> StartAsync(string? command, int seed, CancellationToken cancellationToken)
    {
        var start = command is null
            ? SelfCommand("--serve", "--seed", seed.ToString(CultureInfo.InvariantCulture))
            : new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", "exec " + command } };
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = false;
        start.UseShellExecute = false;
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the benchmark server.");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromMinutes(2));
            var origin = await process.StandardOutput.ReadLineAsync(timeout.Token)
                ?? throw new InvalidOperationException($"The benchmark server ({command ?? "emulator host"}) exited before printing its origin.");
            var token = command is null ? await process.StandardOutput.ReadLineAsync(timeout.Token) : null;

            // The rest of its output is not ours to read, but the pipe must not fill up and block it.
            _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, CancellationToken.None);
            return new BenchServer(ApiBase(origin.Trim()), token ?? "r8_benchmark", command ?? "emulator host (this program --serve)", process, isEmulatorHost: command is null);
        }
        catch
        {
            Stop(process);
            throw;
        }
    }

    /// <summary>
    /// <c>--serve</c>: the emulator in this process, with <see cref="Model"/> reading the fake's inputs, and
    /// <paramref name="seed"/> succeeded predictions to list. Prints the origin, then the token, then waits for stdin to
    /// close (the parent ending) or SIGTERM.
    /// </summary>
    public static async Task<int> ServeAsync(int seed)
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions
        {
            RecordRequests = false,
            IncludeDemoModels = false,
            PageSize = 100,
        });
        emulator.AddModel(Model, RunFakeInputAsync, o => o.SupportsStreaming = true);
        if (seed > 0)
        {
            await SeedAsync(emulator, seed);
        }

        Console.WriteLine(emulator.BaseAddress.GetLeftPart(UriPartial.Authority));
        Console.WriteLine(emulator.ApiToken);
        using var stop = new CancellationTokenSource();
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }

        return 0;
    }

    /// <summary>
    /// Replaces the emulator host with a fresh one (not measured): it stores every event of every stream, and a run of
    /// 512 × 1 MiB must not leave half a gigabyte in it for the next. Other servers generate streams and are kept.
    /// </summary>
    public async Task RestartIfEmulatorHostAsync(CancellationToken cancellationToken)
    {
        if (!IsEmulatorHost || _process is null)
        {
            return;
        }

        Stop(_process);
        _process.Dispose();
        _process = null;
        // Unseeded (seeding 10,000 predictions per stream run would take longer than the run): paginate runs first, on
        // the seeded host, and the stream scenarios restart it after (OutOfProcessRun.Names keeps that order).
        var fresh = await StartAsync(null, 0, cancellationToken);
        (BaseAddress, Token, _process, fresh._process) = (fresh.BaseAddress, fresh.Token, fresh._process, null);
    }

    public ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            Stop(_process);
            _process.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Runs this benchmark program again with <paramref name="arguments"/> (as <c>dotnet Replicate.Benchmarks.dll</c> or the apphost).</summary>
    public static ProcessStartInfo SelfCommand(params string[] arguments)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(host);
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(BenchServer).Assembly.Location);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    private static Uri ApiBase(string url)
    {
        var trimmed = url.TrimEnd('/');
        return new Uri(trimmed.EndsWith("/v1", StringComparison.Ordinal) ? trimmed + "/" : trimmed + "/v1/");
    }

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>The fake's model, for the emulator host: tokens of a size, a file of a length, a delay, or "ok".</summary>
    private static async Task<object?> RunFakeInputAsync(JsonElement input, PredictionContext context)
    {
        if (Read(input, "delay_ms") is > 0 and var delay)
        {
            await context.DelayAsync(TimeSpan.FromMilliseconds(delay));
        }

        if (Read(input, "tokens") is > 0 and var tokens)
        {
            var size = (int)(Read(input, "token_size") ?? 4);
            var token = string.Create(size, 0, static (span, _) =>
            {
                for (var i = 0; i < span.Length; i++)
                {
                    span[i] = (char)('a' + (i % 26));
                }
            });
            for (long i = 0; i < tokens; i++)
            {
                context.Output(token);
            }

            return null;
        }

        if (Read(input, "file_bytes") is > 0 and var length)
        {
            return context.AddFile("out-0.bin", "application/octet-stream", () => ReplicateEmulator.CreatePatternStream(length));
        }

        return "ok";
    }

    private static long? Read(JsonElement input, string name) =>
        input.ValueKind == JsonValueKind.Object && input.TryGetProperty(name, out var value) && value.TryGetInt64(out var number) ? number : null;

    private static async Task SeedAsync(ReplicateEmulator emulator, int count)
    {
        using var client = new ReplicateClient(new ReplicateClientOptions { ApiToken = emulator.ApiToken, BaseAddress = emulator.BaseAddress });
        var next = -1;
        var workers = Enumerable.Range(0, 16).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < count)
            {
                await client.RunAsync(Model, new { seeded = true });
            }
        });
        await Task.WhenAll(workers);
    }
}
