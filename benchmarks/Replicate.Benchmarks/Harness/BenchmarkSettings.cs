namespace Replicate.Benchmarks.Harness;

/// <summary>Sizes and repetitions of the end-to-end scenarios: <see cref="Full"/> for numbers, <see cref="Quick"/> for CI.</summary>
public sealed record BenchmarkSettings
{
    /// <summary>The sizes, several alternating runs per side after a warm-up.</summary>
    public static BenchmarkSettings Full { get; } = new();

    /// <summary>Seconds in all: proves every scenario still runs end to end; its timings mean nothing.</summary>
    public static BenchmarkSettings Quick { get; } = new()
    {
        IsQuick = true,
        Warmups = 1,
        WarmupTimeLimit = TimeSpan.Zero,
        Iterations = 1,
        ConcurrentIterations = 1,
        RunSeqCalls = 50,
        RunSeqSlices = 2,
        ConcurrentPredictions = 50,
        ConcurrentModelTime = TimeSpan.FromMilliseconds(200),
        ConcurrentPollInterval = TimeSpan.FromMilliseconds(50),
        BurstTokens = 5_000,
        ReplayPasses = 2,
        LargeTokens = 4,
        FileBytes = 32L * 1024 * 1024,
        PaginateItems = 500,
        PaginatePasses = 1,
        BatchItems = 200,
        // A hang guard, not a speed check: CI runs quick mode beside every other test project on two cores.
        RunTimeout = TimeSpan.FromSeconds(120),
        RemoteBurstTokens = 2_000,
        RemoteConcurrentRuns = 20,
        RemoteLargeTokens = 4,
        ColdRuns = 1,
    };

    public bool IsQuick { get; init; }

    /// <summary>
    /// Unmeasured runs per side before measuring (JIT, connection pools), at least; warm-up goes on while the JIT is still
    /// compiling (<see cref="JitQuietMethods"/>, <see cref="WarmupTimeLimit"/>).
    /// </summary>
    public int Warmups { get; init; } = 3;

    /// <summary>Warm-up rounds that compile at most this many methods over <see cref="JitQuietWindow"/> count as steady state.</summary>
    public int JitQuietMethods { get; init; } = 2;

    /// <summary>The span over which <see cref="JitQuietMethods"/> is judged: rounds are added until it is covered.</summary>
    public TimeSpan JitQuietWindow { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long warm-up may go on waiting for the JIT to go quiet: on a busy 2-core machine tiered compilation of a
    /// scenario of short runs takes several seconds. Zero: exactly <see cref="Warmups"/> rounds.
    /// </summary>
    public TimeSpan WarmupTimeLimit { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Measured runs per side, alternating which side goes first. Many short runs rather than a few long ones: on a
    /// shared 2-core machine the load comes and goes within seconds, and the median shrugs off the runs it hit.
    /// </summary>
    public int Iterations { get; init; } = 21;

    /// <summary>Measured runs per side of <c>run_concurrent</c> (each takes a few seconds).</summary>
    public int ConcurrentIterations { get; init; } = 7;

    public int RunSeqCalls { get; init; } = 2_000;

    /// <summary>
    /// Slices of a <c>run_seq</c> run (see <see cref="Scenario.Slices"/>): a call takes ~0.1 ms, so a run lasts a few
    /// hundred milliseconds, and other work on a 2-core machine moved whole runs by 2× and more; interleaving the sides
    /// every 50 calls (a few milliseconds) levels that out.
    /// </summary>
    public int RunSeqSlices { get; init; } = 40;

    public int ConcurrentPredictions { get; init; } = 1_000;

    /// <summary>How long each <c>run_concurrent</c> prediction runs on the emulator.</summary>
    public TimeSpan ConcurrentModelTime { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The polling interval of both sides in <c>run_concurrent</c>.</summary>
    public TimeSpan ConcurrentPollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    public int BurstTokens { get; init; } = 200_000;

    /// <summary>
    /// How many times a replay run reads the finished stream. One read of <c>stream_large_replay</c> takes ~40 ms, short
    /// enough that where a gen-2 collection of the 2 MiB strings happened to land moved single runs by ±40%.
    /// </summary>
    public int ReplayPasses { get; init; } = 4;

    public int LargeTokens { get; init; } = 64;

    public int LargeTokenBytes { get; init; } = 1024 * 1024;

    public long FileBytes { get; init; } = 1L << 30;

    public int PaginateItems { get; init; } = 10_000;

    /// <summary>
    /// How many times one <c>paginate</c> run lists every prediction (a single pass takes tens of milliseconds); each pass
    /// is a slice (see <see cref="Scenario.Slices"/>), alternating with the other side's.
    /// </summary>
    public int PaginatePasses { get; init; } = 5;

    public int PageSize { get; init; } = 100;

    /// <summary>How often the working set is sampled during a run.</summary>
    public TimeSpan WorkingSetSampleInterval { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>The most one run may take before it is canceled (every loop is bounded by it, too).</summary>
    public TimeSpan RunTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How many creates one <c>batch</c> run makes (the 2,000).</summary>
    public int BatchItems { get; init; } = 2_000;

    /// <summary>
    /// The emulator's create limit in <c>batch</c>, and the batch's: Replicate's 600/min scaled up 50× so 2,000 creates take
    /// seconds, not minutes.
    /// </summary>
    public int BatchCreatesPerMinute { get; init; } = 30_000;

    /// <summary>The batch side's <see cref="BatchOptions.MaxConcurrency"/>.</summary>
    public int BatchConcurrency { get; init; } = 32;

    /// <summary>Gets the output events of the out-of-process <c>stream_burst</c> (the cold-start stream of issue 15).</summary>
    public int RemoteBurstTokens { get; init; } = 20_000;

    /// <summary>Runs at once in the out-of-process <c>run_concurrent</c> (the 200), each polled.</summary>
    public int RemoteConcurrentRuns { get; init; } = 200;

    /// <summary>Gets the 1 MiB output events of the out-of-process <c>stream_large</c>.</summary>
    public int RemoteLargeTokens { get; init; } = 512;

    /// <summary>Gets the new processes per side each out-of-process scenario is measured cold in.</summary>
    public int ColdRuns { get; init; } = 7;
}
