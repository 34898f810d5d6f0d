namespace Replicate;

/// <summary>
/// A batch's journal cannot be used: it is not a journal, it was written for another model or other inputs, or it is
/// damaged before its last line. Nothing was created; the file is left as it was.
/// </summary>
public class BatchJournalException : ReplicateException
{
    /// <summary>Initializes a new instance.</summary>
    public BatchJournalException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What is wrong.</param>
    public BatchJournalException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and a cause.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public BatchJournalException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the journal's path.</summary>
    public string? JournalPath { get; init; }
}
