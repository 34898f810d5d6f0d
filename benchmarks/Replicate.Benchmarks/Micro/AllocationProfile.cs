using System.Diagnostics.Tracing;
using Replicate.Benchmarks.Harness;

namespace Replicate.Benchmarks.Micro;

/// <summary>
/// <c>--alloc-profile</c>: where a sync-wait <c>RunAsync</c> allocates, over an in-memory handler (no sockets, no
/// server): bytes per call for the SDK and the bare-HttpClient baseline, then the SDK's allocations by type, sampled by
/// the runtime's allocation ticks (one per ~100 KB allocated, so counts are proportional to bytes). Profile first,
/// then change code.
/// </summary>
public static class AllocationProfile
{
    private const int Calls = 20_000;

    public static async Task RunAsync(TextWriter output, Uri? server, string token)
    {
        var json = System.Text.Encoding.UTF8.GetBytes(
            """{"id":"ufawqhfynnddngldkgtslldrkq","model":"bench/any","version":"hidden","input":{"prompt":"a photo of an astronaut riding a horse","seed":42},"logs":"","output":"ok","data_removed":false,"error":null,"status":"succeeded","created_at":"2026-01-01T00:00:00.123Z","started_at":"2026-01-01T00:00:00.200Z","completed_at":"2026-01-01T00:00:00.300Z","urls":{"get":"http://127.0.0.1:9/v1/predictions/ufawqhfynnddngldkgtslldrkq","cancel":"http://127.0.0.1:9/v1/predictions/ufawqhfynnddngldkgtslldrkq/cancel","web":"https://replicate.com/p/ufawqhfynnddngldkgtslldrkq"},"metrics":{"predict_time":0.1}}""");
        var input = new Dictionary<string, object> { ["prompt"] = "a photo of an astronaut riding a horse", ["seed"] = 42 };
        var options = new ReplicateClientOptions { ApiToken = Samples.Token, BaseAddress = Samples.BaseAddress };
        // Over real sockets (--server) the allocations of awaits that do not complete at once show too: state machines.
        using var sdk = server is null
            ? new ReplicateClient(new HttpClient(ReplicateClient.CreateHttpMessageHandler(options, new CannedHandler(json, "application/json"))), options)
            : BenchHttp.CreateSdkClient(server, token);
        var raw = server is null
            ? new RawReplicate(new HttpClient(new CannedHandler(json, "application/json")), Samples.BaseAddress, Samples.Token)
            : new RawReplicate(BenchHttp.CreateBaselineClient(), server, token);

        async Task Sdk() => _ = (await sdk.RunAsync("bench/any", input)).AsString();
        async Task Baseline()
        {
            using var document = await raw.CreateAsync("bench/any", input, waitSeconds: 60, stream: false, CancellationToken.None);
            _ = document.RootElement.GetProperty("output").GetString();
        }

        for (var i = 0; i < 5_000; i++)
        {
            await Sdk();
            await Baseline();
        }

        foreach (var (name, call) in new[] { ("SDK RunAsync", (Func<Task>)Sdk), ("HttpClient POST + JsonDocument", Baseline) })
        {
            GC.Collect();
            var before = GC.GetTotalAllocatedBytes(precise: true);
            for (var i = 0; i < Calls; i++)
            {
                await call();
            }

            await output.WriteLineAsync($"{name}: {(GC.GetTotalAllocatedBytes(precise: true) - before) / (double)Calls:N0} B/call");
        }

        using var ticks = new AllocationTicks();
        for (var i = 0; i < Calls * 2; i++)
        {
            await Sdk();
        }

        ticks.Dispose();
        await output.WriteLineAsync($"SDK allocations by type, {Calls * 2:N0} calls (ticks):");
        foreach (var (type, count) in ticks.Snapshot().OrderByDescending(kv => kv.Value).Take(30))
        {
            await output.WriteLineAsync($"  {count,6} {type}");
        }
    }

    private sealed class AllocationTicks : EventListener
    {
        private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

        public Dictionary<string, int> Snapshot()
        {
            lock (_counts)
            {
                return new Dictionary<string, int>(_counts, StringComparer.Ordinal);
            }
        }

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword: allocation ticks
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || eventData.PayloadNames is null)
            {
                return;
            }

            var index = eventData.PayloadNames.IndexOf("TypeName");
            if (index >= 0 && eventData.Payload?[index] is string type)
            {
                lock (_counts)
                {
                    _counts[type] = _counts.GetValueOrDefault(type) + 1;
                }
            }
        }
    }
}
