namespace Replicate;

/// <summary>
/// A prediction ended without output: <c>failed</c> (the model raised an error), <c>canceled</c> or <c>aborted</c>.
/// This is not an HTTP error: the API calls succeeded. <see cref="Prediction"/> has the id, error and logs.
/// </summary>
public sealed class PredictionFailedException : ReplicateException
{
    /// <summary>Initializes a new instance for a prediction that ended without output.</summary>
    /// <param name="prediction">The prediction in its final state.</param>
    public PredictionFailedException(Prediction prediction)
        : this(prediction, Describe(prediction))
    {
    }

    /// <summary>Initializes a new instance with a custom message.</summary>
    /// <param name="prediction">The prediction in its final (or last known) state.</param>
    /// <param name="message">The message.</param>
    public PredictionFailedException(Prediction prediction, string message)
        : base(message)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        Prediction = prediction;
    }

    /// <summary>Gets the prediction, as last seen.</summary>
    public Prediction Prediction { get; }

    /// <summary>Gets the prediction id.</summary>
    public string PredictionId => Prediction.Id;

    /// <summary>Gets the final status: <c>failed</c>, <c>canceled</c>, <c>aborted</c>, or one this version does not know.</summary>
    public PredictionStatus Status => Prediction.Status;

    /// <summary>Gets the model's error message, when it failed.</summary>
    public string? Error => Prediction.Error;

    /// <summary>Gets the model's logs, which usually say why it failed.</summary>
    public string? Logs => Prediction.Logs;

    private static string Describe(Prediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        var status = prediction.Status;
        if (status == PredictionStatus.Failed)
        {
            return $"Prediction {prediction.Id} failed: {prediction.Error ?? "the model reported no error message"}. See Logs for the model's output.";
        }

        if (status == PredictionStatus.Canceled)
        {
            return $"Prediction {prediction.Id} was canceled (by a user, or because its deadline passed while it ran).";
        }

        if (status == PredictionStatus.Aborted)
        {
            return $"Prediction {prediction.Id} was aborted before it started (its deadline passed while it was queued). Raise CancelAfter or retry later.";
        }

        return $"Prediction {prediction.Id} ended with status '{status}' and no output.";
    }
}
