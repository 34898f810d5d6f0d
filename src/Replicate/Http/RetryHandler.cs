using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Replicate;

/// <summary>
/// Retries transient failures with a Polly pipeline built once per client: exponential backoff with jitter, a cap,
/// <c>Retry-After</c> honoured, every delay on the client's <see cref="TimeProvider"/>. Reads are retried on network
/// errors, timeouts, 408, 429 and 5xx gateway errors; POST and PATCH only on 429 and on failures to connect (refused,
/// DNS, TLS handshake), because then the server never got the request, while a 500 or a dropped connection may
/// already have started a paid prediction.
/// </summary>
internal sealed class RetryHandler : DelegatingHandler
{
    /// <summary>The largest non-streamed response body accepted; API responses are kilobytes.</summary>
    internal const int MaxBufferedResponseBytes = 64 * 1024 * 1024;

    private static readonly ResiliencePropertyKey<HttpRequestMessage> RequestKey = new("Replicate.Request");
    private static readonly HttpMethod Query = new("QUERY");

    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly ReplicateClientOptions _options;
    private readonly ILogger _logger;

    public RetryHandler(ReplicateClientOptions options, HttpMessageHandler? innerHandler = null)
    {
        _options = options;
        _logger = options.LoggerFactory?.CreateLogger(ReplicateTelemetry.Name) ?? NullLogger.Instance;
        if (innerHandler is not null)
        {
            InnerHandler = innerHandler;
        }

        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = options.TimeProvider };
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                MaxDelay = options.MaxRetryDelay,
                ShouldHandle = args => new ValueTask<bool>(ShouldRetry(args.Context, args.Outcome)),
                DelayGenerator = args => new ValueTask<TimeSpan?>(
                    args.Outcome.Result is { } response ? ReplicateTransport.ParseRetryAfter(response, options.TimeProvider) : null),
                OnRetry = args =>
                {
                    OnRetry(args.Context, args.Outcome, args.RetryDelay, args.AttemptNumber + 1);
                    return default;
                },
            });
        }

        // Inside the retry, so each attempt gets its own time to headers.
        builder.AddTimeout(new TimeoutStrategyOptions
        {
            TimeoutGenerator = args => new ValueTask<TimeSpan>(AttemptTimeout(args.Context)),
        });
        _pipeline = builder.Build();
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(RequestKey, request);
        try
        {
            var outcome = await _pipeline.ExecuteOutcomeAsync(
                static async (context, state) =>
                {
                    var (handler, request) = state;
                    var api = request as ApiRequest;
                    if (api is not null)
                    {
                        api.Attempts++;
                    }

                    var lease = api?.Lease;
                    try
                    {
                        if (api is not null)
                        {
                            api.Lease = null;
                            if (api.Attempts > 1 && api.Throttle is { } throttle)
                            {
                                // A retry takes a lease like any request, after any pause a 429 started.
                                lease = await throttle.AcquireAsync(api.IsCreate, context.CancellationToken).ConfigureAwait(false);
                            }
                        }

                        var response = await handler.SendAttemptAsync(request, context.CancellationToken).ConfigureAwait(false);
                        if (response.StatusCode == HttpStatusCode.TooManyRequests && api?.Throttle is { } throttled)
                        {
                            // One 429 pauses every request sharing the throttle, not just this one.
                            throttled.OnThrottled(ReplicateTransport.ParseRetryAfter(response, handler._options.TimeProvider));
                        }

                        if (api is not { StreamResponse: true })
                        {
                            try
                            {
                                await BufferAsync(response, context.CancellationToken).ConfigureAwait(false);
                            }
                            catch
                            {
                                response.Dispose();
                                throw;
                            }
                        }

                        return Outcome.FromResult(response);
                    }
                    catch (Exception ex)
                    {
                        return Outcome.FromException<HttpResponseMessage>(ex);
                    }
                    finally
                    {
                        lease?.Dispose();
                    }
                },
                context,
                (this, request)).ConfigureAwait(false);

            if (outcome.Exception is TimeoutRejectedException timeout)
            {
                var attempts = ApiRequest.AttemptsOf(request);
                throw new TimeoutException(
                    $"{request.Method} {request.RequestUri?.AbsolutePath} got no response within {timeout.Timeout.TotalSeconds:0.#} s " +
                    $"(ReplicateClientOptions.RequestTimeout) after {attempts} attempt(s).", timeout);
            }

            outcome.ThrowIfException();
            return outcome.Result!;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private void OnRetry(ResilienceContext context, Outcome<HttpResponseMessage> outcome, TimeSpan delay, int retry)
    {
        if (!context.Properties.TryGetValue(RequestKey, out var request))
        {
            return;
        }

        var reason = outcome.Result is { } response
            ? ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : outcome.Exception?.GetType().Name ?? "unknown";
        ReplicateTelemetry.Retries.Add(1, new KeyValuePair<string, object?>("http.request.method", request.Method.Method), new KeyValuePair<string, object?>("reason", reason));
        Log.Retrying(_logger, request.Method.Method, request.RequestUri?.AbsolutePath ?? string.Empty, reason, delay.TotalMilliseconds, retry, _options.MaxRetries);
    }

    /// <summary>Reads the body into a pooled buffer (bounded), replacing the network content with it.</summary>
    private static async Task BufferAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var declared = response.Content.Headers.ContentLength;
        if (declared > MaxBufferedResponseBytes)
        {
            throw new ReplicateException($"The response to {Describe(response)} declares {declared} bytes, more than the {MaxBufferedResponseBytes / (1024 * 1024)} MiB an API response may have.");
        }

        PooledContent content;
        var source = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            content = await PooledContent.ReadAsync(source, declared, MaxBufferedResponseBytes, response, cancellationToken).ConfigureAwait(false);
        }

        // A successful API response is read only for its JSON body, by the transport, so its content headers are not
        // carried over (a headers object and a copy of every value per request). An error's are, copied as they came:
        // enumerating the typed view would parse and allocate every value.
        var headers = response.IsSuccessStatusCode ? default : response.Content.Headers.NonValidated;
        foreach (var (name, values) in headers)
        {
            if (values.Count == 1)
            {
                content.Headers.TryAddWithoutValidation(name, values.ToString());
            }
            else
            {
                content.Headers.TryAddWithoutValidation(name, values);
            }
        }

        response.Content.Dispose();
        response.Content = content;
    }

    /// <summary>Names a response's request in messages: <c>GET /v1/predictions</c>.</summary>
    internal static string Describe(HttpResponseMessage response) =>
        $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath}";

    private Task<HttpResponseMessage> SendAttemptAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        request.Content is UploadContent upload ? SendUploadAttemptAsync(request, upload, cancellationToken) : base.SendAsync(request, cancellationToken);

    /// <summary>An upload's attempt: unbounded while its body is sent, then <see cref="ReplicateClientOptions.RequestTimeout"/> to the response headers.</summary>
    private async Task<HttpResponseMessage> SendUploadAttemptAsync(HttpRequestMessage request, UploadContent upload, CancellationToken cancellationToken)
    {
        using var afterBody = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, afterBody.Token);
        upload.Sent = () => afterBody.CancelAfter(_options.RequestTimeout);
        try
        {
            return await base.SendAsync(request, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (afterBody.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"{request.Method} {request.RequestUri?.AbsolutePath} sent its whole body but got no response within {_options.RequestTimeout.TotalSeconds:0.#} s " +
                "(ReplicateClientOptions.RequestTimeout).", ex);
        }
        finally
        {
            upload.Sent = null;
        }
    }

    private TimeSpan AttemptTimeout(ResilienceContext context) =>
        context.Properties.TryGetValue(RequestKey, out var request) && request is ApiRequest { AttemptTimeout: { } timeout }
            ? timeout
            : _options.RequestTimeout;

    private bool ShouldRetry(ResilienceContext context, Outcome<HttpResponseMessage> outcome)
    {
        if (!context.Properties.TryGetValue(RequestKey, out var request)
            || request is ApiRequest { NoRetry: true })
        {
            return false;
        }

        var idempotent = IsIdempotent(request.Method);
        if (outcome.Exception is { } exception)
        {
            // The caller's own cancellation is never retried; a timeout or a network error is, for reads, and a failure
            // to connect is for every method: nothing reached the server, so a create cannot have happened.
            // A body cut by a reset surfaces as IOException rather than HttpRequestException: both are the network.
            return (idempotent && exception is HttpRequestException or IOException or TimeoutRejectedException) || NeverReachedServer(exception);
        }

        var response = outcome.Result!;
        var retryable = response.StatusCode switch
        {
            HttpStatusCode.TooManyRequests => true,
            HttpStatusCode.RequestTimeout or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
                or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout => idempotent,
            _ => false,
        };

        // A server asking for a longer pause than the cap gets its answer surfaced, not a thread parked for an hour.
        return retryable
            && !(ReplicateTransport.ParseRetryAfter(response, _options.TimeProvider) > _options.MaxRetryDelay);
    }

    /// <summary>
    /// Whether the request failed before any of it could reach the server: connecting (refused, unreachable), resolving
    /// the host, the TLS handshake or a proxy tunnel failed. Retrying those cannot duplicate anything.
    /// </summary>
    internal static bool NeverReachedServer(Exception exception) =>
        exception is HttpRequestException
        {
            HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
                or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError,
        };

    private static bool IsIdempotent(HttpMethod method) =>
        method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Delete || method == HttpMethod.Put
        || method == HttpMethod.Options || method == Query;
}
