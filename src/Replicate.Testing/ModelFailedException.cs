namespace Replicate.Testing;

/// <summary>
/// Thrown by a model handler to make the prediction end <c>failed</c> with <see cref="Exception.Message"/> as
/// its <c>error</c>. Any other exception does the same; this type only makes the intent explicit.
/// </summary>
public sealed class ModelFailedException : Exception
{
    /// <summary>Creates the exception with a generic message.</summary>
    public ModelFailedException()
        : base("E1000: model failed")
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The prediction's <c>error</c>, e.g. <c>E1001: out of memory</c>.</param>
    public ModelFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with an inner exception.</summary>
    /// <param name="message">The prediction's <c>error</c>.</param>
    /// <param name="innerException">The cause.</param>
    public ModelFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
