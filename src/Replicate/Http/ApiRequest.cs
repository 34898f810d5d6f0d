namespace Replicate;

/// <summary>
/// A request the SDK built, with what the <see cref="RetryHandler"/> needs to know about it as typed fields rather
/// than <see cref="HttpRequestMessage.Options"/> entries (a dictionary and boxed values on every request).
/// Requests of any other type get the defaults.
/// </summary>
internal sealed class ApiRequest(HttpMethod method, Uri uri) : HttpRequestMessage(method, uri)
{
    /// <summary>
    /// Gets or sets whether the caller consumes the response body as a stream (SSE, file downloads). Every other
    /// response body is read inside the attempt, so a cut or trickling body is retried (reads) and bounded by the
    /// attempt timeout.
    /// </summary>
    public bool StreamResponse { get; set; }

    /// <summary>Gets or sets whether the body cannot be sent twice (a non-seekable upload), so no attempt is repeated.</summary>
    public bool NoRetry { get; set; }

    /// <summary>Gets or sets a time to response headers other than <see cref="ReplicateClientOptions.RequestTimeout"/> (a sync-wait create, an upload).</summary>
    public TimeSpan? AttemptTimeout { get; set; }

    /// <summary>Gets or sets how many attempts were made so far, for error messages and logs (0 when no retry handler saw it).</summary>
    public int Attempts { get; set; }

    /// <summary>Gets or sets the rate limits and 429 pause this request passes before each attempt (<see langword="null"/>: none).</summary>
    public RequestThrottle? Throttle { get; set; }

    /// <summary>Gets or sets whether this request creates a prediction, so it takes a lease from the create limiter.</summary>
    public bool IsCreate { get; set; }

    /// <summary>
    /// Gets or sets the lease the transport took for the first attempt; the retry handler disposes it when that attempt
    /// is over and takes its own for each retry. Without a retry handler the transport disposes it.
    /// </summary>
    public System.Threading.RateLimiting.RateLimitLease? Lease { get; set; }

    /// <summary>How many attempts <paramref name="request"/> took: 1 unless a retry handler counted more.</summary>
    public static int AttemptsOf(HttpRequestMessage request) => request is ApiRequest { Attempts: > 1 } api ? api.Attempts : 1;
}
