namespace Replicate;

/// <summary>
/// Settings for a <see cref="ReplicateClient"/>. The client copies them when it is created, so changing an options
/// object afterwards does not affect clients already made from it.
/// </summary>
public sealed class ReplicateClientOptions
{
    /// <summary>The production API address.</summary>
    public static readonly Uri DefaultBaseAddress = new("https://api.replicate.com/v1/");

    /// <summary>
    /// Gets or sets the API token. When <see langword="null"/>, the client reads <c>REPLICATE_API_TOKEN</c>.
    /// It is sent only to the API host and Replicate-owned hosts, and never appears in messages, logs or <c>ToString()</c>.
    /// </summary>
    public string? ApiToken { get; set; }

    /// <summary>
    /// Gets or sets the API address, including <c>/v1/</c>. When <see langword="null"/>: the caller's
    /// <see cref="HttpClient.BaseAddress"/>, then <c>REPLICATE_BASE_URL</c>, then <see cref="DefaultBaseAddress"/>.
    /// A bare host (<c>https://example.com</c>) gets <c>/v1/</c> appended.
    /// </summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>Gets or sets text appended to the <c>User-Agent</c> (<c>replicate-dotnet/&lt;version&gt; &lt;suffix&gt;</c>), e.g. your app's name and version.</summary>
    public string? UserAgentSuffix { get; set; }

    /// <summary>
    /// Gets or sets how many times a request is retried after a transient failure (default 4). Reads (GET, DELETE, QUERY)
    /// retry on network errors, 408, 429, 500, 502, 503 and 504; creates (POST, PATCH) only on 429, because any other
    /// failure may have created a paid prediction. 0 turns retries off (for example when you add your own resilience handler).
    /// </summary>
    public int MaxRetries { get; set; } = 4;

    /// <summary>Gets or sets the first retry delay; later ones grow exponentially with jitter (default 0.5 s).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Gets or sets the longest the client will wait before a retry (default 30 s). When the server's <c>Retry-After</c>
    /// asks for longer, the client does not sleep: it throws <see cref="ReplicateApiException"/> with
    /// <see cref="ReplicateApiException.RetryAfter"/> so the caller decides.
    /// </summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets how long one attempt may take to receive response headers (default 100 s). A sync-wait create
    /// (<c>Prefer: wait=N</c>) gets at least N + 10 s. Streams and downloads are not cut by it once headers arrive.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>
    /// Gets or sets how long a stream or a file download may go without receiving a byte once its headers arrived
    /// (default 5 minutes; <see cref="Timeout.InfiniteTimeSpan"/> waits forever). An idle stream counts as a dropped
    /// connection and resumes (a keep-alive comment is activity); an idle download fails with <see cref="IOException"/>.
    /// </summary>
    public TimeSpan StreamIdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Gets or sets the largest server-sent event a stream accepts, in bytes (default 16 MiB). A larger event ends the
    /// stream with <see cref="ReplicateException"/> instead of growing a buffer without bound: the parser holds about
    /// three times the event's size while it reads one.
    /// </summary>
    public int MaxStreamEventSize { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Gets or sets the first wait between polls of a prediction or training. While nothing changes the wait doubles, up to
    /// 5 s (or this interval, if longer); a status change or new output starts it over. When <see langword="null"/>, the
    /// client reads <c>REPLICATE_POLL_INTERVAL</c> (seconds), else uses 0.5 s.
    /// </summary>
    public TimeSpan? PollingInterval { get; set; }

    /// <summary>
    /// Gets or sets how long <c>RunAsync</c> asks the server to hold the create request open for the result
    /// (<c>Prefer: wait</c>, at most 60 s; default 60 s) before it falls back to polling. <see cref="TimeSpan.Zero"/>
    /// turns sync mode off: create, then poll.
    /// </summary>
    public TimeSpan Wait { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Gets or sets how file values in model inputs (<see cref="FileInfo"/>, <see cref="Stream"/>, <c>byte[]</c>,
    /// <see cref="ReadOnlyMemory{T}"/>) are sent (default <see cref="Replicate.FileEncodingStrategy.Upload"/>: through the
    /// Files API). <see cref="Replicate.FileEncodingStrategy.Auto"/> inlines files up to 256 KiB as <c>data:</c> URIs.
    /// </summary>
    public FileEncodingStrategy FileEncodingStrategy { get; set; } = FileEncodingStrategy.Upload;

    /// <summary>Gets or sets the clock used for every delay, timeout and poll (tests pass a fake one). Default: <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Gets or sets where the SDK logs (category <c>Replicate</c>): requests at Debug, retries and stream reconnects at
    /// Warning, prediction status changes at Information. <c>AddReplicate</c> sets it from the container. Nothing logged
    /// contains the token, a header or a body.
    /// </summary>
    public Microsoft.Extensions.Logging.ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// Gets or sets client-side rate limits for every request of this client (default <see langword="null"/>: off).
    /// Set it (<c>new RateLimitOptions()</c> gives Replicate's account limits) when many calls run at once, or supply your
    /// own <see cref="System.Threading.RateLimiting.RateLimiter"/> to share one budget between processes. Batches
    /// (<c>RunBatchAsync</c>) use these limits when set, else their own.
    /// </summary>
    public RateLimitOptions? RateLimits { get; set; }

    internal ReplicateClientOptions Clone()
    {
        var clone = (ReplicateClientOptions)MemberwiseClone();
        clone.RateLimits = RateLimits?.Clone();
        return clone;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"ReplicateClientOptions {{ BaseAddress = {BaseAddress?.ToString() ?? "(default)"}, ApiToken = {(ApiToken is null ? "(from environment)" : "***")} }}";
}
