namespace Replicate;

/// <summary>Why a webhook delivery failed verification (<see cref="WebhookVerificationException.Reason"/>).</summary>
public enum WebhookVerificationFailure
{
    /// <summary>Verification succeeded (what <see cref="WebhookSignature.TryVerify(string, string?, string?, string?, ReadOnlySpan{byte}, out WebhookVerificationFailure, TimeSpan?, TimeProvider?)"/> reports on success).</summary>
    None = 0,

    /// <summary>A <c>webhook-id</c>, <c>webhook-timestamp</c> or <c>webhook-signature</c> header is missing or empty.</summary>
    MissingHeader,

    /// <summary>The secret is empty or is not <c>whsec_</c> followed by base64.</summary>
    InvalidSecret,

    /// <summary><c>webhook-timestamp</c> is not a number of Unix seconds.</summary>
    InvalidTimestamp,

    /// <summary>The signature matched, but the timestamp is older than the tolerance: a replay, or a delivery held up too long.</summary>
    TimestampTooOld,

    /// <summary>The signature matched, but the timestamp is further in the future than the tolerance (check the clocks).</summary>
    TimestampInFuture,

    /// <summary>No <c>v1</c> signature in <c>webhook-signature</c> matches the body: a forged or altered request, or the wrong secret.</summary>
    NoMatchingSignature,

    /// <summary>The body is larger than the receiver accepts (ASP.NET Core helper), so it was not read or verified.</summary>
    BodyTooLarge,
}
