using Replicate.Benchmarks.Harness;
using Replicate.Testing;

namespace Replicate.Benchmarks.EndToEnd;

/// <summary>
/// <c>file</c>: a model whose output is one large file, downloaded into a null sink:
/// <c>(await RunAsync(...)).AsFile().CopyToAsync(sink)</c> vs POST + GET with <see cref="HttpCompletionOption.ResponseHeadersRead"/>
/// and <see cref="Stream.CopyToAsync(Stream)"/>. The file is computed, not stored, so neither side's memory holds it.
/// </summary>
public sealed class FileScenario(BenchmarkSettings settings) : Scenario
{
    private const string Model = "bench/file";
    private static readonly object Input = new { prompt = "a very large checkpoint" };
    private ReplicateEmulator? _emulator;
    private ReplicateClient? _sdk;
    private RawReplicate? _raw;

    public override string Name => "file";

    public override string Description =>
        $"RunAsync of a model whose output is a {settings.FileBytes / MiB:N0} MiB file, then AsFile().CopyToAsync into a null sink; " +
        "baseline: HttpClient POST, then GET (ResponseHeadersRead) + CopyToAsync.";

    protected override string Unit => "MiB";

    public override async Task SetupAsync(CancellationToken cancellationToken)
    {
        _emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { RecordRequests = false, IncludeDemoModels = false }, cancellationToken);
        var length = settings.FileBytes;
        var url = _emulator.AddFile("weights.bin", "application/octet-stream", () => ReplicateEmulator.CreatePatternStream(length));
        _emulator.AddModel(Model, (_, _) => Task.FromResult<object?>(url));
        _sdk = BenchHttp.CreateSdkClient(_emulator.BaseAddress, _emulator.ApiToken);
        _raw = new RawReplicate(BenchHttp.CreateBaselineClient(), _emulator.BaseAddress, _emulator.ApiToken);
    }

    public override async Task<RunResult> RunAsync(Side side, CancellationToken cancellationToken)
    {
        var sink = new CountingNullStream();
        if (side == Side.Sdk)
        {
            var output = await _sdk!.RunAsync(Model, Input, cancellationToken: cancellationToken);
            await output.AsFile().CopyToAsync(sink, cancellationToken);
        }
        else
        {
            string url;
            using (var prediction = await _raw!.CreateAsync(Model, Input, waitSeconds: 60, stream: false, cancellationToken))
            {
                url = prediction.RootElement.GetProperty("output").GetString()!;
            }

            using var response = await _raw.Http.GetAsync(new Uri(url), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            await body.CopyToAsync(sink, cancellationToken);
        }

        return sink.Length == settings.FileBytes
            ? new RunResult(sink.Length / MiB)
            : throw new InvalidOperationException($"{side} copied {sink.Length} bytes of {settings.FileBytes}.");
    }

    public override IEnumerable<MetricSpec> Metrics()
    {
        yield return Throughput();
        yield return CpuPerUnit();
        yield return AllocatedPerUnit();
        yield return PeakWorkingSet(Target.SdkBelow(64, "MiB"));
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        _sdk?.Dispose();
        _raw?.Http.Dispose();
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }

        await base.DisposeAsyncCore();
    }
}
