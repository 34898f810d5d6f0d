namespace Replicate;

/// <summary>The base of every exception the SDK throws for a problem it detected (API errors, failed predictions, bad responses).</summary>
public class ReplicateException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    public ReplicateException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What went wrong and what to do.</param>
    public ReplicateException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the exception behind it.</summary>
    /// <param name="message">What went wrong and what to do.</param>
    /// <param name="innerException">The cause.</param>
    public ReplicateException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
