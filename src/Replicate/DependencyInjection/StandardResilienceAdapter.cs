using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace Replicate;

/// <summary>
/// Makes <c>AddStandardResilienceHandler()</c> (on a Replicate client, or on every client through
/// <c>ConfigureHttpClientDefaults</c>, as Aspire's service defaults do) safe for the SDK's requests. Left alone, the standard
/// handler retries a POST create that got a 500 (a second paid prediction), multiplies its retries with the SDK's, and its
/// 10 s attempt timeout cuts a create held for <c>Prefer: wait=60</c> and then retries that too. For requests the SDK made
/// (<see cref="ApiRequest"/>) its retry therefore never fires and its timeouts do not apply: the SDK's retry handler owns
/// both, with Replicate's rules. Its rate limiter and circuit breaker still apply, and every other client's requests are
/// handled exactly as configured.
/// </summary>
internal sealed class StandardResilienceAdapter : IPostConfigureOptions<HttpStandardResilienceOptions>
{
    public void PostConfigure(string? name, HttpStandardResilienceOptions options)
    {
        var shouldRetry = options.Retry.ShouldHandle;
        options.Retry.ShouldHandle = args => IsSdkRequest(args.Context) ? new ValueTask<bool>(false) : shouldRetry(args);
        NoTimeoutForSdkRequests(options.AttemptTimeout);
        NoTimeoutForSdkRequests(options.TotalRequestTimeout);
    }

    private static void NoTimeoutForSdkRequests(HttpTimeoutStrategyOptions timeout)
    {
        var generator = timeout.TimeoutGenerator;

        // Polly applies no timeout when the generator returns a non-positive span such as InfiniteTimeSpan.
        timeout.TimeoutGenerator = args => IsSdkRequest(args.Context)
            ? new ValueTask<TimeSpan>(Timeout.InfiniteTimeSpan)
            : generator?.Invoke(args) ?? new ValueTask<TimeSpan>(timeout.Timeout);
    }

    private static bool IsSdkRequest(ResilienceContext context) => context.GetRequestMessage() is ApiRequest;
}
