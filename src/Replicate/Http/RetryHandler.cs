using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;

namespace Replicate;

/// <summary>
/// Bounds each attempt by <see cref="ReplicateClientOptions.RequestTimeout"/> and retries transient failures with a Polly
/// pipeline built once per client: exponential backoff with jitter, a cap,
/// <c>Retry-After</c> honoured, every delay on the client's <see cref="TimeProvider"/>. Reads are retried on network
/// errors, timeouts, 408, 429 and 5xx gateway errors; POST and PATCH only on 429 and on failures to connect (refused,
/// DNS, TLS handshake), because then the server never got the request, while a 500 or a dropped connection may
/// already have started a paid prediction.
/// </summary>
internal sealed class RetryHandler : DelegatingHandler
{
    /// <summary>The largest non-streamed response body accepted; API responses are kilobytes.</summary>
    internal const int MaxBufferedResponseBytes = 64 * 1024 * 1024;

    private static readonly HttpMethod Query = new("QUERY");

    private readonly AttemptTimers _timers;
    private readonly ReplicateClientOptions _options;
    private readonly ILogger _logger;

    /// <summary>The retry pipeline, built on the first retry: a process whose requests succeed never loads Polly.</summary>
    private ResiliencePipeline<HttpResponseMessage>? _pipeline;

    public RetryHandler(ReplicateClientOptions options, HttpMessageHandler? innerHandler = null)
    {
        _options = options;
        _timers = new AttemptTimers(options.TimeProvider);
        _logger = options.LoggerFactory?.CreateLogger(ReplicateTelemetry.Name) ?? NullLogger.Instance;
        if (innerHandler is not null)
        {
            InnerHandler = innerHandler;
        }
    }

    // The first attempt runs outside the pipeline: nearly every request succeeds at once, and each Polly strategy costs
    // an async state machine per request that waits on the network (a third of the SDK's allocations per RunAsync over a
    // socket, with the former timeout strategy) and, in a new process, a few hundred methods to compile before the first
    // answer. An outcome that may need a retry enters the pipeline, which takes it as its own first attempt.
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        AttemptAsync(request, isFirst: true, cancellationToken);

    /// <summary>
    /// One attempt: a rate-limit lease for a retry, the request, and (unless the caller streams it) its body read, all
    /// within the attempt timeout, which fails it with an <see cref="AttemptTimedOutException"/>. The first attempt
    /// (<paramref name="isFirst"/>) goes on to the retries when its outcome may need them, and words a timeout for the caller.
    /// </summary>
    private async Task<HttpResponseMessage> AttemptAsync(HttpRequestMessage request, bool isFirst, CancellationToken cancellationToken)
    {
        var api = request as ApiRequest;
        var lease = api?.Lease;
        var timeout = api?.AttemptTimeout ?? _options.RequestTimeout;
        CancellationTokenSource? timer = null;
        CancellationTokenRegistration link = default;
        HttpResponseMessage? response = null;
        Exception? failure;
        try
        {
            if (api is not null)
            {
                api.Attempts++;
                api.Lease = null;
                if (api.Attempts > 1 && api.Throttle is { } throttle)
                {
                    // A retry takes a lease like any request, after any pause a 429 started; waiting for it is not the
                    // server's slowness, so it is outside the attempt timeout.
                    lease = await throttle.AcquireAsync(api.IsCreate, cancellationToken).ConfigureAwait(false);
                }
            }

            var attemptToken = cancellationToken;
            if (timeout != Timeout.InfiniteTimeSpan)
            {
                timer = _timers.Rent(timeout);
                link = cancellationToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), timer);
                attemptToken = timer.Token;
            }

            response = await SendAttemptAsync(request, attemptToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.TooManyRequests && api?.Throttle is { } throttled)
            {
                // One 429 pauses every request sharing the throttle, not just this one.
                throttled.OnThrottled(ReplicateTransport.ParseRetryAfter(response, _options.TimeProvider));
            }

            if (api is not { StreamResponse: true })
            {
                try
                {
                    await BufferAsync(response, attemptToken).ConfigureAwait(false);
                }
                catch
                {
                    response.Dispose();
                    response = null;
                    throw;
                }
            }

            // Only an outcome that will be retried goes on: a 404 or a 422 needs no pipeline.
            if (!isFirst || response.IsSuccessStatusCode || !ShouldRetry(request, response, null))
            {
                return response;
            }

            failure = null;
        }
        catch (OperationCanceledException ex) when (timer is { IsCancellationRequested: true } && !cancellationToken.IsCancellationRequested)
        {
            var timedOut = new AttemptTimedOutException(timeout, ex);
            if (!isFirst)
            {
                throw timedOut;
            }

            failure = ShouldRetry(request, null, timedOut) ? timedOut : throw TimedOut(request, timedOut);
        }
        catch (Exception ex) when (isFirst && ShouldRetry(request, null, ex))
        {
            failure = ex;
        }
        finally
        {
            link.Dispose();
            if (timer is not null)
            {
                _timers.Return(timer);
            }

            lease?.Dispose();
        }

        // Only a first attempt whose outcome will be retried gets here.
        try
        {
            return await RetryAsync(request, response, failure, cancellationToken).ConfigureAwait(false);
        }
        catch (AttemptTimedOutException timedOut)
        {
            throw TimedOut(request, timedOut);
        }
    }

    /// <summary>The caller's view of attempts that timed out: which request, the limit, and how many attempts were made.</summary>
    private static TimeoutException TimedOut(HttpRequestMessage request, AttemptTimedOutException timedOut) => new(
        $"{request.Method} {request.RequestUri?.AbsolutePath} got no response within {timedOut.Timeout.TotalSeconds:0.#} s " +
        $"(ReplicateClientOptions.RequestTimeout) after {ApiRequest.AttemptsOf(request)} attempt(s).", timedOut);

    /// <summary>
    /// Runs the retry pipeline over the first attempt's outcome (a response or a failure that <see cref="ShouldRetry"/>
    /// accepts): the pipeline's first call returns that outcome, later calls are retries. Throws the last failure.
    /// </summary>
    private async Task<HttpResponseMessage> RetryAsync(HttpRequestMessage request, HttpResponseMessage? response, Exception? failure, CancellationToken cancellationToken)
    {
        var pipeline = LazyInitializer.EnsureInitialized(ref _pipeline, BuildPipeline);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(PollyKeys.Request, request);
        try
        {
            var first = failure is null ? Outcome.FromResult(response!) : Outcome.FromException<HttpResponseMessage>(failure);
            var outcome = await pipeline.ExecuteOutcomeAsync(
                static async (context, state) =>
                {
                    var (handler, request, first) = state;
                    if (first.Value is { } outcome)
                    {
                        first.Value = null;
                        return outcome;
                    }

                    try
                    {
                        return Outcome.FromResult(await handler.AttemptAsync(request, isFirst: false, context.CancellationToken).ConfigureAwait(false));
                    }
                    catch (Exception ex)
                    {
                        return Outcome.FromException<HttpResponseMessage>(ex);
                    }
                },
                context,
                (this, request, new StrongBox<Outcome<HttpResponseMessage>?>(first))).ConfigureAwait(false);
            outcome.ThrowIfException();
            return outcome.Result!;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private ResiliencePipeline<HttpResponseMessage> BuildPipeline() =>
        new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = _options.TimeProvider }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = _options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.RetryDelay,
                MaxDelay = _options.MaxRetryDelay,
                ShouldHandle = args => new ValueTask<bool>(
                    args.Context.Properties.TryGetValue(PollyKeys.Request, out var request) && ShouldRetry(request, args.Outcome.Result, args.Outcome.Exception)),
                DelayGenerator = args => new ValueTask<TimeSpan?>(
                    args.Outcome.Result is { } response ? ReplicateTransport.ParseRetryAfter(response, _options.TimeProvider) : null),
                OnRetry = args =>
                {
                    OnRetry(args.Context, args.Outcome, args.RetryDelay, args.AttemptNumber + 1);
                    return default;
                },
            })
            .Build();

    private void OnRetry(ResilienceContext context, Outcome<HttpResponseMessage> outcome, TimeSpan delay, int retry)
    {
        if (!context.Properties.TryGetValue(PollyKeys.Request, out var request))
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

    /// <summary>Whether an attempt that answered <paramref name="response"/> or failed with <paramref name="exception"/> is retried.</summary>
    private bool ShouldRetry(HttpRequestMessage request, HttpResponseMessage? response, Exception? exception)
    {
        if (_options.MaxRetries == 0 || request is ApiRequest { NoRetry: true })
        {
            return false;
        }

        var idempotent = IsIdempotent(request.Method);
        if (exception is not null)
        {
            // The caller's own cancellation is never retried; a timeout or a network error is, for reads, and a failure
            // to connect is for every method: nothing reached the server, so a create cannot have happened.
            // A body cut by a reset surfaces as IOException rather than HttpRequestException: both are the network.
            return (idempotent && exception is HttpRequestException or IOException or AttemptTimedOutException) || NeverReachedServer(exception);
        }

        var retryable = response!.StatusCode switch
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

/// <summary>An attempt got no response within its timeout; the retry handler words the exception the caller sees.</summary>
internal sealed class AttemptTimedOutException(TimeSpan timeout, Exception innerException)
    : TimeoutException($"No response within {timeout.TotalSeconds:0.#} s.", innerException)
{
    public TimeSpan Timeout { get; } = timeout;
}

/// <summary>
/// The pipeline's property keys, apart from <see cref="RetryHandler"/>: a static field of a Polly struct type there would
/// load Polly with the handler, in every process, before any request needs a retry.
/// </summary>
internal static class PollyKeys
{
    public static readonly ResiliencePropertyKey<HttpRequestMessage> Request = new("Replicate.Request");
}
