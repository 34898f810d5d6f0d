namespace Replicate;

/// <summary>
/// What a request that got no response surfaces as, so every network failure reads the same whatever the attempt
/// count: an <see cref="HttpRequestException"/> naming the method, the path and the attempts, with the original as
/// <see cref="Exception.InnerException"/> and its <see cref="HttpRequestError"/> kept. A disposed client says so.
/// </summary>
internal static class TransportFailures
{
    /// <summary>Throws what <paramref name="exception"/> should surface as; returns when it should propagate unchanged.</summary>
    /// <param name="request">The request that failed.</param>
    /// <param name="exception">What the handler chain threw (never the caller's own cancellation).</param>
    /// <param name="clientDisposed">Whether the <see cref="ReplicateClient"/> was disposed, which explains any failure.</param>
    public static void ThrowWrapped(HttpRequestMessage request, Exception exception, bool clientDisposed)
    {
        if (clientDisposed)
        {
            // Disposing cancels what is in flight: that must not look like the caller's own cancellation.
            throw Disposed();
        }

        if (exception is HttpRequestException or IOException)
        {
            throw Network(request, exception);
        }
    }

    /// <summary>The exception for a call on a disposed client, naming the client rather than whatever it disposed.</summary>
    public static ObjectDisposedException Disposed() => new(
        nameof(ReplicateClient),
        "This ReplicateClient has been disposed: create a new one (with dependency injection, resolve it from a service provider that is still alive).");

    private static HttpRequestException Network(HttpRequestMessage request, Exception exception)
    {
        var attempts = ApiRequest.AttemptsOf(request);
        var error = exception switch
        {
            HttpRequestException http => http.HttpRequestError,
            HttpIOException io => io.HttpRequestError,
            _ => HttpRequestError.Unknown,
        };

        // A create that may have reached the server is not retried (it could start a second paid prediction): say so.
        var hint = request.Method == HttpMethod.Post || request.Method == HttpMethod.Patch
            ? RetryHandler.NeverReachedServer(exception)
                ? string.Empty
                : " The request may have reached the server, so it was not retried: check whether it took effect before sending it again."
            : string.Empty;
        var message = $"{request.Method} {request.RequestUri?.AbsolutePath} failed after {attempts} attempt{(attempts == 1 ? string.Empty : "s")}: "
            + exception.Message.ReplaceLineEndings(" ") + hint;
        return new HttpRequestException(error, message, exception, (exception as HttpRequestException)?.StatusCode);
    }
}
