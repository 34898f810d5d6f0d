using Replicate.Benchmarks.Harness;
using Replicate.Testing;

namespace Replicate.Benchmarks.EndToEnd;

/// <summary>
/// <c>paginate</c>: every prediction of an account, page by page, through <c>Predictions.EnumerateAsync</c> vs following
/// <c>next</c> with a bare <see cref="HttpClient"/> and <see cref="System.Text.Json.JsonDocument"/>. The predictions are
/// created up front, through the emulator's API, and are not part of the measurement.
/// </summary>
public sealed class PaginateScenario(BenchmarkSettings settings) : Scenario
{
    private const string Model = "bench/instant";
    private static readonly object Input = new { prompt = "a photo of an astronaut riding a horse", seed = 42 };
    private ReplicateEmulator? _emulator;
    private ReplicateClient? _sdk;
    private RawReplicate? _raw;

    public override string Name => "paginate";

    public override string Description =>
        $"{settings.PaginateItems:N0} predictions, {settings.PageSize} per page, listed {settings.PaginatePasses} time(s) per run through Predictions.EnumerateAsync; " +
        "baseline: follow next with HttpClient + JsonDocument.";

    protected override string Unit => "item";

    /// <summary>One pass per slice.</summary>
    public override int Slices => settings.PaginatePasses;

    public override async Task SetupAsync(CancellationToken cancellationToken)
    {
        _emulator = await ReplicateEmulator.StartAsync(
            new ReplicateEmulatorOptions { RecordRequests = false, IncludeDemoModels = false, PageSize = settings.PageSize }, cancellationToken);
        _emulator.AddModel(Model, (_, _) => Task.FromResult<object?>("ok"));
        _sdk = BenchHttp.CreateSdkClient(_emulator.BaseAddress, _emulator.ApiToken);
        _raw = new RawReplicate(BenchHttp.CreateBaselineClient(), _emulator.BaseAddress, _emulator.ApiToken);

        // Seed with a few parallel writers; the predictions finish at once, so the listing is stable afterwards.
        var next = -1;
        var total = settings.PaginateItems;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < total)
            {
                using var created = await _raw.CreateAsync(Model, Input, waitSeconds: 60, stream: false, cancellationToken);
            }
        }));
    }

    public override async Task<RunResult> RunAsync(Side side, CancellationToken cancellationToken)
    {
        var expected = settings.PaginateItems;
        var count = side == Side.Sdk ? await EnumerateSdkAsync(expected, cancellationToken) : await EnumerateBaselineAsync(expected, cancellationToken);
        if (count != expected)
        {
            throw new InvalidOperationException($"{side} listed {count} predictions; {expected} exist.");
        }

        return new RunResult(expected);
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

    private async Task<int> EnumerateSdkAsync(int expected, CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var prediction in _sdk!.Predictions.EnumerateAsync(cancellationToken: cancellationToken))
        {
            if (prediction.Id.Length == 0 || ++count > expected)
            {
                break;
            }
        }

        return count;
    }

    private async Task<int> EnumerateBaselineAsync(int expected, CancellationToken cancellationToken)
    {
        var count = 0;
        var maxPages = (expected / settings.PageSize) + 2;
        Uri? next = new(_raw!.BaseAddress, "predictions");
        for (var page = 0; next is not null && page < maxPages; page++)
        {
            using var document = await _raw.GetJsonAsync(next, cancellationToken);
            foreach (var prediction in document.RootElement.GetProperty("results").EnumerateArray())
            {
                if (prediction.GetProperty("id").GetString() is not { Length: > 0 })
                {
                    return count;
                }

                count++;
            }

            next = document.RootElement.TryGetProperty("next", out var cursor) && cursor.GetString() is { } url ? new Uri(url) : null;
        }

        return count;
    }
}
