using System.Collections.Concurrent;
using System.Net;

namespace PrismCheck;

/// <summary>One request the SDK sent and what Prism answered.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The path as Prism saw it (without the SDK's <c>/v1</c> prefix), without the query.</param>
/// <param name="Status">The response status.</param>
/// <param name="Violations">Prism's <c>sl-violations</c> header: how the request breaks the spec; <see langword="null"/> when it conforms.</param>
/// <param name="ErrorBody">The body of a 4xx/5xx answer (Prism's problem details), else <see langword="null"/>.</param>
internal sealed record Exchange(string Method, string Path, HttpStatusCode Status, string? Violations, string? ErrorBody);

/// <summary>
/// Sits under the SDK's own handler chain. Prism serves the spec's paths from the root (it ignores the <c>/v1</c> of the
/// spec's server URL), while the SDK always talks to <c>{base}/v1/...</c>: the prefix is dropped on the way out and
/// nothing else is touched. Every exchange is recorded, with Prism's verdict on the request.
/// </summary>
internal sealed class RecordingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private readonly ConcurrentQueue<Exchange> _exchanges = new();

    /// <summary>Returns the exchanges recorded since the last call, and forgets them.</summary>
    public List<Exchange> Drain()
    {
        var drained = new List<Exchange>();
        while (_exchanges.TryDequeue(out var exchange))
        {
            drained.Add(exchange);
        }

        return drained;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var original = request.RequestUri!;
        var builder = new UriBuilder(original);
        if (builder.Path.StartsWith("/v1/", StringComparison.Ordinal))
        {
            builder.Path = builder.Path["/v1".Length..];
        }

        request.RequestUri = builder.Uri;
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            var violations = response.Headers.TryGetValues("sl-violations", out var values) ? string.Join(" ", values) : null;
            string? errorBody = null;
            if ((int)response.StatusCode >= 400)
            {
                // Buffered, so the SDK still reads the whole body afterwards.
                await response.Content.LoadIntoBufferAsync(cancellationToken);
                errorBody = await response.Content.ReadAsStringAsync(cancellationToken);
            }

            _exchanges.Enqueue(new Exchange(request.Method.Method, builder.Path, response.StatusCode, violations, errorBody));
            return response;
        }
        finally
        {
            // The SDK's error messages and retry logic see the address it asked for.
            request.RequestUri = original;
        }
    }
}
