namespace Replicate.Testing;

/// <summary>
/// Settings for a <see cref="ReplicateEmulator"/>. <see cref="TimeProvider"/>, <see cref="IncludeDemoModels"/> and
/// <see cref="DemoTokenDelay"/> take effect at <see cref="ReplicateEmulator.StartAsync"/>; the others are read
/// for every request (or stream connection), so a test can change them on <see cref="ReplicateEmulator.Options"/>
/// between requests.
/// </summary>
public sealed class ReplicateEmulatorOptions
{
    /// <summary>
    /// The API token the emulator accepts in <c>Authorization: Bearer &lt;token&gt;</c> (or the legacy
    /// <c>Token &lt;token&gt;</c> scheme). <see langword="null"/> accepts any non-empty token.
    /// Defaults to <c>r8_emulator</c>.
    /// </summary>
    public string? ApiToken { get; set; } = "r8_emulator";

    /// <summary>
    /// The username of the account the token belongs to (<c>GET /account</c>). Models and deployments created through
    /// the API are owned by it, and only its private models can be deleted. Defaults to <c>emulator</c>.
    /// </summary>
    public string AccountUsername { get; set; } = "emulator";

    /// <summary>
    /// The clock behind every timed behaviour: model start delays, <c>Prefer: wait</c> timeouts,
    /// <c>Cancel-After</c> deadlines, timestamps and demo-model pacing. Inject a manual clock to make tests
    /// that involve time deterministic and instant.
    /// </summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// The largest file <c>POST /files</c> accepts, in bytes; larger uploads get 413 with a problem+json body, as
    /// Replicate answers. Defaults to 100 MiB (the limit in the spec's example). Uploads are streamed to a temporary
    /// folder, so raising it costs disk, not memory.
    /// </summary>
    public long MaxFileSize { get; set; } = 100L * 1024 * 1024;

    /// <summary>
    /// Whether webhooks are delivered to any host. By default (<see langword="false"/>) the emulator delivers only to
    /// loopback addresses (<c>127.0.0.1</c>, <c>[::1]</c>, <c>localhost</c>), so a test that sets a placeholder webhook
    /// such as <c>https://example.com/hook</c> never reaches the internet; such deliveries are recorded in
    /// <see cref="ReplicateEmulator.WebhookDeliveries"/> as not sent.
    /// </summary>
    public bool DeliverWebhooksToAnyHost { get; set; }

    /// <summary>
    /// The waits between attempts of a <c>completed</c> webhook delivery that failed (no answer, or a status other than
    /// 2xx), on <see cref="TimeProvider"/>; one retry per entry. Defaults to 1, 2, 4, 8, 16 and 32 s, so the last retry
    /// comes about a minute after completion, as on Replicate. Other events are never retried.
    /// </summary>
    public IReadOnlyList<TimeSpan> WebhookRetryDelays { get; set; } =
        [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(16), TimeSpan.FromSeconds(32)];

    /// <summary>The number of items on each page of a list endpoint (Replicate uses 100).</summary>
    public int PageSize { get; set; } = 100;

    /// <summary>
    /// Whether the built-in demo models are registered: <c>meta/meta-llama-3-8b-instruct</c>,
    /// <c>black-forest-labs/flux-schnell</c>, <c>replicate/failing-model</c> and <c>replicate/hello-world</c>, with the
    /// demo collections <c>language-models</c> and <c>text-to-image</c> that group them.
    /// </summary>
    public bool IncludeDemoModels { get; set; } = true;

    /// <summary>The delay between tokens of the demo text model (on <see cref="TimeProvider"/>).</summary>
    public TimeSpan DemoTokenDelay { get; set; } = TimeSpan.FromMilliseconds(15);

    /// <summary>
    /// 0 writes each server-sent event in one write. N &gt; 0 splits the bytes of every event into writes of
    /// N bytes, flushing each, so that clients see events cut across network reads.
    /// </summary>
    public int StreamWriteChunkSize { get; set; }

    /// <summary>The delay between two server-sent events written to one connection (on <see cref="TimeProvider"/>).</summary>
    public TimeSpan StreamEventPacing { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Whether a stream request carrying <c>Last-Event-ID</c> is resumed after that event.
    /// <see langword="false"/> answers such a request with 410 Gone (problem+json), for testing clients that
    /// must fall back when a server cannot resume.
    /// </summary>
    public bool StreamResumeSupported { get; set; } = true;

    /// <summary>
    /// Whether every request is kept in <see cref="ReplicateEmulator.Requests"/>. Turn it off for benchmarks
    /// and soak tests, where an ever-growing request log would distort memory measurements.
    /// </summary>
    public bool RecordRequests { get; set; } = true;

    /// <summary>
    /// Account rate limits (creates and other requests a minute, bursts), answered with 429, <c>Retry-After</c> and
    /// Replicate's throttle body; <see langword="null"/> (the default) for none. <c>new EmulatorRateLimits()</c> has
    /// Replicate's own numbers; tests and benchmarks scale them up to stay fast.
    /// </summary>
    public EmulatorRateLimits? RateLimits { get; set; }
}
