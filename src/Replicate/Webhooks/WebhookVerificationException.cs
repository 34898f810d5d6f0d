namespace Replicate;

/// <summary>
/// A webhook delivery failed verification: treat the request as not from Replicate and answer it with a 4xx. The
/// message says what was wrong; it never contains the secret or the expected signature.
/// </summary>
public sealed class WebhookVerificationException : ReplicateException
{
    /// <summary>Initializes a new instance.</summary>
    public WebhookVerificationException()
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What was wrong.</param>
    public WebhookVerificationException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What was wrong.</param>
    /// <param name="innerException">The cause.</param>
    public WebhookVerificationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance with a reason.</summary>
    /// <param name="reason">Why verification failed.</param>
    /// <param name="message">What was wrong.</param>
    public WebhookVerificationException(WebhookVerificationFailure reason, string message)
        : base(message)
    {
        Reason = reason;
    }

    /// <summary>Gets why verification failed.</summary>
    public WebhookVerificationFailure Reason { get; }
}
