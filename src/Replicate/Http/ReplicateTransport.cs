using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Replicate;

/// <summary>
/// How every request goes over the wire: builds it (token, <c>User-Agent</c>, <c>Accept</c>), sends it through the
/// <see cref="HttpClient"/> (whose handler chain retries), turns error statuses into <see cref="ReplicateApiException"/>
/// and reads JSON with the source-generated context. The token is attached only to the API host and Replicate-owned
/// hosts, never to a URL a model put in its output.
/// </summary>
internal sealed class ReplicateTransport
{
    /// <summary>The most of an error body kept in an exception: enough to diagnose, bounded against hostile servers.</summary>
    private const int MaxErrorBodyBytes = 64 * 1024;

    private static readonly string DefaultUserAgent = "replicate-dotnet/" + SdkVersion();
    private readonly HttpClient _http;

    /// <summary>
    /// The <c>Authorization</c> value, <c>Bearer</c> and the token. Headers go on as raw values: a typed header costs a
    /// parsed-value record per request, and these are known to be valid.
    /// </summary>
    private readonly string? _authorization;
    private readonly string _userAgent;

    public ReplicateTransport(HttpClient http, ReplicateClientOptions options, Uri baseAddress, string? apiToken)
    {
        _http = http;
        Options = options;
        BaseAddress = baseAddress;
        _authorization = string.IsNullOrWhiteSpace(apiToken) ? null : "Bearer " + apiToken;
        _userAgent = string.IsNullOrWhiteSpace(options.UserAgentSuffix) ? DefaultUserAgent : $"{DefaultUserAgent} {options.UserAgentSuffix}";
        Logger = options.LoggerFactory?.CreateLogger(ReplicateTelemetry.Name) ?? NullLogger.Instance;
        Throttle = options.RateLimits is { } limits ? new RequestThrottle(limits, options.TimeProvider) : null;
    }

    /// <summary>Gets the client's rate limits (<see cref="ReplicateClientOptions.RateLimits"/>), or <see langword="null"/> when off.</summary>
    public RequestThrottle? Throttle { get; }

    /// <summary>Gets the SDK's logger.</summary>
    public ILogger Logger { get; }

    /// <summary>Gets the API address, ending in <c>/v1/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Gets the resolved options.</summary>
    public ReplicateClientOptions Options { get; }

    /// <summary>Gets the clock.</summary>
    public TimeProvider TimeProvider => Options.TimeProvider;

    /// <summary>Gets the HTTP client, for requests that are not JSON API calls (downloads, streams).</summary>
    public HttpClient Http => _http;

    /// <summary>Gets or sets whether the <see cref="ReplicateClient"/> was disposed: requests then fail naming it.</summary>
    public bool IsDisposed { get; set; }

    /// <summary>Resolves a path relative to the API base (<c>predictions/abc</c>).</summary>
    public Uri Resolve(string relativePath) => new(BaseAddress, relativePath);

    /// <summary>
    /// Creates a request for an API operation, with the SDK's headers and the token. The token goes only to the API's
    /// own host (same scheme, host and port as <see cref="BaseAddress"/>); an API request without a configured token fails
    /// here, before anything is sent. URLs a model put in its output never come here: see <see cref="CreateUntrustedRequest"/>.
    /// </summary>
    public ApiRequest CreateRequest(HttpMethod method, Uri uri, string? accept = "application/json")
    {
        var isApiHost = IsApiHost(uri);
        if (isApiHost && _authorization is null)
        {
            throw new ReplicateException(
                "No Replicate API token is configured. Set the REPLICATE_API_TOKEN environment variable, or pass " +
                "ReplicateClientOptions.ApiToken. Create a token at https://replicate.com/account/api-tokens.");
        }

        var request = CreateUntrustedRequest(method, uri, accept);
        if (isApiHost)
        {
            request.Headers.TryAddWithoutValidation("Authorization", _authorization);

            // A batch's requests take the batch's limits; other requests the client's, when it has any.
            request.Throttle = RequestThrottle.Current ?? Throttle;
        }

        return request;
    }

    /// <summary>
    /// Creates a request for a URL the API handed back rather than one the SDK built: a prediction's <c>urls.stream</c>.
    /// It carries the token to the API host and to Replicate's own HTTPS hosts under <c>replicate.com</c> (the streaming
    /// hosts, as the API's documented <c>curl</c> and the Python client send it), never to any other host.
    /// </summary>
    public ApiRequest CreateRequestForApiUrl(HttpMethod method, Uri uri, string? accept)
    {
        if (IsApiHost(uri))
        {
            return CreateRequest(method, uri, accept);
        }

        var request = CreateUntrustedRequest(method, uri, accept);
        if (_authorization is not null && IsReplicateOwnedHost(uri))
        {
            request.Headers.TryAddWithoutValidation("Authorization", _authorization);
        }

        return request;
    }

    /// <summary>
    /// Creates a request that never carries the token, whatever its host: for URLs taken from model output or stream
    /// events (file outputs), which are untrusted. A model that returns <c>https://api.replicate.com/v1/...</c> as its
    /// "file" must not get the caller's token, and with it the caller's account.
    /// </summary>
    public ApiRequest CreateUntrustedRequest(HttpMethod method, Uri uri, string? accept)
    {
        var request = new ApiRequest(method, uri);
        request.Headers.TryAddWithoutValidation("User-Agent", _userAgent);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        return request;
    }

    /// <summary>Sends a request and returns the successful response with its body unread; error statuses throw.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendCoreAsync(request, cancellationToken).AsTask();

    /// <summary>
    /// <see cref="SendAsync(HttpRequestMessage, CancellationToken)"/> for callers that await it at once: its state machine
    /// comes from a pool instead of being allocated for each request that waits on the network. Await it exactly once.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (IsDisposed)
        {
            throw TransportFailures.Disposed();
        }

        var api = request as ApiRequest;
        if (api is { Throttle: { } throttle })
        {
            // The first attempt's lease; the retry handler takes one for each retry.
            api.Lease = await throttle.AcquireAsync(api.IsCreate, cancellationToken).ConfigureAwait(false);
        }

        var started = TimeProvider.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            RecordRequest(request, started, null, ex);
            TransportFailures.ThrowWrapped(request, ex, IsDisposed);
            throw;
        }
        finally
        {
            if (api is not null)
            {
                api.Lease?.Dispose();
                api.Lease = null;
            }
        }

        RecordRequest(request, started, response, null);
        if (response.StatusCode == HttpStatusCode.TooManyRequests && api is { Throttle: { } throttled, Attempts: 0 })
        {
            // No retry handler saw it (a caller-built HttpClient without one): pause here.
            throttled.OnThrottled(ParseRetryAfter(response, TimeProvider));
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await CreateApiExceptionAsync(request, response, null, cancellationToken).ConfigureAwait(false);
        }
    }

    private void RecordRequest(HttpRequestMessage request, long started, HttpResponseMessage? response, Exception? error)
    {
        var elapsed = TimeProvider.GetElapsedTime(started);
        if (ReplicateTelemetry.RequestDuration.Enabled)
        {
            ReplicateTelemetry.RequestDuration.Record(
                elapsed.TotalSeconds,
                new KeyValuePair<string, object?>("http.request.method", request.Method.Method),
                new KeyValuePair<string, object?>("http.response.status_code", response is null ? null : (int)response.StatusCode),
                new KeyValuePair<string, object?>("server.address", request.RequestUri?.Host),
                new KeyValuePair<string, object?>("error.type", error?.GetType().FullName));
        }

        if (response is not null)
        {
            if (Logger.IsEnabled(LogLevel.Debug))
            {
                Log.RequestCompleted(Logger, request.Method.Method, request.RequestUri?.AbsolutePath ?? string.Empty, (int)response.StatusCode, elapsed.TotalMilliseconds, ApiRequest.AttemptsOf(request));
            }
        }
        else if (error is not null)
        {
            Log.RequestFailed(Logger, request.Method.Method, request.RequestUri?.AbsolutePath ?? string.Empty, elapsed.TotalMilliseconds, ApiRequest.AttemptsOf(request), error.GetType().Name + ": " + error.Message);
        }
    }

    /// <summary>
    /// Sends a request and reads its JSON body. Await it exactly once (its state machine is pooled). Without
    /// <paramref name="typeInfo"/>, <typeparamref name="T"/>'s source-generated metadata is looked up only if the
    /// hand-written parser does not read it (see <see cref="SendForPredictionAsync"/>).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<T> SendAsync<T>(HttpRequestMessage request, JsonTypeInfo<T>? typeInfo, CancellationToken cancellationToken)
    {
        using (request)
        using (var response = await SendCoreAsync(request, cancellationToken).ConfigureAwait(false))
        {
            return await ReadJsonAsync(request, response, typeInfo, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends a request whose success has no body to read (<c>204 No Content</c>, <c>202 Accepted</c>); error statuses throw.</summary>
    public async Task SendWithoutResultAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        using (await SendCoreAsync(request, cancellationToken).ConfigureAwait(false))
        {
        }
    }

    /// <summary>Sends a request and reads its body as text, for the endpoints that answer <c>text/plain</c> (a model's README).</summary>
    public async Task<string> SendForTextAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        using (var response = await SendCoreAsync(request, cancellationToken).ConfigureAwait(false))
        {
            return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>GETs a path relative to the API base, or an absolute URL (a pagination cursor), and reads its JSON.</summary>
    public ValueTask<T> GetAsync<T>(Uri uri, JsonTypeInfo<T>? typeInfo, CancellationToken cancellationToken) =>
        SendAsync(CreateRequest(HttpMethod.Get, uri), typeInfo, cancellationToken);

    /// <summary>
    /// Sends a request answered with a prediction, which <see cref="PredictionConverter"/> reads by hand: the
    /// source-generated context is not touched, which in a new process saves compiling it before the first answer.
    /// </summary>
    public ValueTask<Prediction> SendForPredictionAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendAsync<Prediction>(request, typeInfo: null, cancellationToken);

    /// <summary>
    /// The URL of a list page: the first page of <paramref name="path"/> (with its filter <paramref name="query"/>, e.g.
    /// <c>?sort_by=...</c>) when <paramref name="cursor"/> is <see langword="null"/>, else the page the cursor names.
    /// </summary>
    public Uri ListUri(string path, string? cursor, string query = "") =>
        cursor is null ? Resolve(path + query) : PageUri(cursor, path);

    /// <summary>Sends a JSON body (a create or an update) and reads the JSON answer.</summary>
    public ValueTask<TResult> SendJsonAsync<TBody, TResult>(
        HttpMethod method, Uri uri, TBody body, JsonTypeInfo<TBody> bodyType, JsonTypeInfo<TResult> resultType, CancellationToken cancellationToken)
    {
        var request = CreateRequest(method, uri);
        request.Content = JsonContent(body, bodyType);
        return SendAsync(request, resultType, cancellationToken);
    }

    /// <summary>
    /// The URL of a page: a cursor is the absolute <c>next</c>/<c>previous</c> URL the API returned (never followed to
    /// another host, nor to another path than the list's own), or a bare cursor value for <paramref name="path"/>.
    /// </summary>
    public Uri PageUri(string cursor, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cursor);
        if (Uri.TryCreate(cursor, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
        {
            // Cursors are the absolute URLs the API returned; never follow one to another host.
            var api = BaseAddress;
            if (!string.Equals(absolute.IdnHost, api.IdnHost, StringComparison.OrdinalIgnoreCase) || absolute.Port != api.Port || absolute.Scheme != api.Scheme)
            {
                throw new ArgumentException($"The cursor '{cursor}' points to {absolute.Authority}, not the API ({api.Authority}).", nameof(cursor));
            }

            // Nor to another endpoint of the API: a page of predictions must not turn into a DELETE-able or secret path.
            var listPath = Resolve(path).AbsolutePath;
            if (!string.Equals(absolute.AbsolutePath, listPath, StringComparison.Ordinal))
            {
                throw new ArgumentException($"The cursor '{StripQuery(absolute)}' points to {absolute.AbsolutePath}, not the list it pages ({listPath}).", nameof(cursor));
            }

            return absolute;
        }

        // A bare cursor value.
        return Resolve(path + "?cursor=" + Uri.EscapeDataString(cursor));
    }

    /// <summary>
    /// Creates JSON content from a writer callback, buffered so a retry can send it again. It is written into a rented
    /// buffer with a writer reused per thread, then copied out at its exact size: a request body cannot live in a pooled
    /// buffer, since the handler may still be sending it when a timeout or cancellation lets the request be disposed.
    /// </summary>
    public static HttpContent JsonContent<TState>(TState state, Action<Utf8JsonWriter, TState> write)
    {
        using var buffer = new PooledContent.Writer(512);
        var writer = JsonWriterCache.Rent(buffer);
        write(writer, state);
        JsonWriterCache.Return(writer);
        var content = new ReadOnlyMemoryContent(buffer.WrittenSpan.ToArray());

        // Sent as written; the typed header would parse and allocate a media type for every request.
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        return content;
    }

    /// <summary>Creates JSON content of a request object with the source-generated context (unset optional fields are left out).</summary>
    public static HttpContent JsonContent<T>(T value, JsonTypeInfo<T> typeInfo) =>
        JsonContent((value, typeInfo), static (writer, state) => JsonSerializer.Serialize(writer, state.value, state.typeInfo));

    /// <summary>Creates a raw <c>text/plain</c> body (the search text of <c>QUERY /models</c>), buffered so a retry can send it again.</summary>
    public static HttpContent TextContent(string text) => new StringContent(text, Encoding.UTF8, "text/plain");

    /// <summary>Parses <c>Retry-After</c>: delta seconds or an HTTP date (relative to <paramref name="timeProvider"/>).</summary>
    public static TimeSpan? ParseRetryAfter(HttpResponseMessage response, TimeProvider timeProvider)
    {
        var header = response.Headers.RetryAfter;
        if (header is null)
        {
            return null;
        }

        if (header.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header.Date is { } date)
        {
            var wait = date - timeProvider.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    /// <summary>Formats a timestamp the way list filters expect it (RFC 3339, UTC).</summary>
    public static string FormatTimestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static async ValueTask<T> ReadJsonAsync<T>(HttpRequestMessage request, HttpResponseMessage response, JsonTypeInfo<T>? typeInfo, CancellationToken cancellationToken)
    {
        T? value;
        try
        {
            if (response.Content is PooledContent buffered)
            {
                // The retry handler already read the body: parse the bytes in place (predictions by hand, see PredictionConverter).
                var utf8 = buffered.Memory.Span;
                if (!PredictionConverter.TryRead(utf8, out value))
                {
                    value = JsonSerializer.Deserialize(utf8, typeInfo ?? MetadataOf<T>());
                }
            }
            else
            {
                var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    value = await JsonSerializer.DeserializeAsync(stream, typeInfo ?? MetadataOf<T>(), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (JsonException ex)
        {
            throw new ReplicateException(
                $"The API answered {request.Method} {request.RequestUri?.AbsolutePath} with a body that is not the expected JSON ({typeof(T).Name}): {ex.Message}", ex);
        }

        return value ?? throw new ReplicateException(
            $"The API answered {request.Method} {request.RequestUri?.AbsolutePath} with an empty JSON body where a {typeof(T).Name} was expected.");
    }

    private static JsonTypeInfo<T> MetadataOf<T>() => (JsonTypeInfo<T>)ReplicateJsonContext.Default.GetTypeInfo(typeof(T))!;

    /// <summary>Builds the exception for an error response (or, with <paramref name="problem"/>, for a 2xx the SDK cannot use).</summary>
    internal async Task<ReplicateApiException> CreateApiExceptionAsync(HttpRequestMessage request, HttpResponseMessage response, string? problem, CancellationToken cancellationToken)
    {
        var body = await ReadBoundedStringAsync(response, cancellationToken).ConfigureAwait(false);
        ProblemDetails? details = problem is null ? null : new ProblemDetails { Detail = problem };
        if (details is null && body.Length > 0 && body[0] == '{')
        {
            try
            {
                details = JsonSerializer.Deserialize(body, ReplicateJsonContext.Default.ProblemDetails);
            }
            catch (JsonException)
            {
                // Not problem details after all (a proxy's error page, say): the raw body still goes in the exception.
            }
        }

        var retryAfter = ParseRetryAfter(response, TimeProvider);
        int? attempts = request is ApiRequest { Attempts: > 0 } api ? api.Attempts : null;
        var uri = request.RequestUri is { } requestUri ? StripQuery(requestUri) : null;
        var message = ReplicateApiException.Describe(response.StatusCode, request.Method.Method, uri, details?.Title, details?.Detail, retryAfter, body, attempts);
        return new ReplicateApiException(response.StatusCode, message)
        {
            Type = details?.Type,
            Title = details?.Title,
            Detail = details?.Detail,
            Instance = details?.Instance,
            RetryAfter = retryAfter,
            ResponseBody = body.Length == 0 ? null : body,
            RequestMethod = request.Method.Method,
            RequestUri = uri,
            Attempts = attempts,
        };
    }

    private static async Task<string> ReadBoundedStringAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var buffer = ArrayPool<byte>.Shared.Rent(MaxErrorBodyBytes);
                try
                {
                    var total = 0;
                    int read;
                    while (total < MaxErrorBodyBytes
                        && (read = await stream.ReadAsync(buffer.AsMemory(total, MaxErrorBodyBytes - total), cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        total += read;
                    }

                    return Encoding.UTF8.GetString(buffer, 0, total);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            // The status is what matters; a body cut off mid-read must not hide it.
            return string.Empty;
        }
    }

    private bool IsApiHost(Uri uri) =>
        uri.IsAbsoluteUri
        && string.Equals(uri.Scheme, BaseAddress.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(uri.IdnHost, BaseAddress.IdnHost, StringComparison.OrdinalIgnoreCase)
        && uri.Port == BaseAddress.Port;

    /// <summary>replicate.com and its subdomains, over HTTPS on the default port only (file delivery hosts need no token).</summary>
    internal static bool IsReplicateOwnedHost(Uri uri) =>
        uri.IsAbsoluteUri && uri.Scheme == Uri.UriSchemeHttps && uri.IsDefaultPort && IsDomainOrSubdomain(uri.IdnHost, "replicate.com");

    private static bool IsDomainOrSubdomain(string host, string domain) =>
        host.Equals(domain, StringComparison.OrdinalIgnoreCase)
        || (host.Length > domain.Length + 1
            && host.EndsWith(domain, StringComparison.OrdinalIgnoreCase)
            && host[host.Length - domain.Length - 1] == '.');

    private static Uri StripQuery(Uri uri) =>
        uri.IsAbsoluteUri && uri.Query.Length > 0 ? new Uri(uri.GetLeftPart(UriPartial.Path)) : uri;

    private static string SdkVersion()
    {
        var version = typeof(ReplicateTransport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}
