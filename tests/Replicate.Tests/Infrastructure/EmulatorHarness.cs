using Replicate.Testing;

namespace Replicate.Tests.Infrastructure;

/// <summary>Starts an emulator and a client pointed at it; disposed together.</summary>
public sealed class EmulatorHarness : IAsyncDisposable
{
    private EmulatorHarness(ReplicateEmulator emulator, ReplicateClient client)
    {
        Emulator = emulator;
        Client = client;
    }

    public ReplicateEmulator Emulator { get; }

    public ReplicateClient Client { get; }

    public static async Task<EmulatorHarness> StartAsync(Action<ReplicateEmulatorOptions>? emulatorOptions = null, Action<ReplicateClientOptions>? clientOptions = null)
    {
        var options = new ReplicateEmulatorOptions { DemoTokenDelay = TimeSpan.Zero };
        emulatorOptions?.Invoke(options);
        var emulator = await ReplicateEmulator.StartAsync(options);
        var client = new ReplicateClientOptions
        {
            ApiToken = emulator.ApiToken,
            BaseAddress = emulator.BaseAddress,
            PollingInterval = TimeSpan.FromMilliseconds(10),
        };
        clientOptions?.Invoke(client);
        return new EmulatorHarness(emulator, new ReplicateClient(client));
    }

    public IReadOnlyList<RecordedRequest> Requests(string method, string pathPrefix) =>
        Emulator.Requests.Where(r => r.Method == method && r.Path.StartsWith(pathPrefix, StringComparison.Ordinal)).ToList();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Emulator.DisposeAsync();
    }
}

/// <summary>Reports synchronously, unlike <see cref="Progress{T}"/>, so tests see every report before the call returns.</summary>
public sealed class RecordingProgress<T> : IProgress<T>
{
    private readonly List<T> _items = [];

    public IReadOnlyList<T> Items
    {
        get
        {
            lock (_items)
            {
                return [.. _items];
            }
        }
    }

    public void Report(T value)
    {
        lock (_items)
        {
            _items.Add(value);
        }
    }
}
