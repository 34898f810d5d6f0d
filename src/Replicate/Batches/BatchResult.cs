namespace Replicate;

/// <summary>
/// One item of a batch: its input's index, its prediction, and its output or failure. A failed item never stops the
/// batch: its <see cref="Error"/> says why.
/// </summary>
/// <typeparam name="TOutput">The output type: <see cref="PredictionOutput"/>, or a typed model's output.</typeparam>
public sealed class BatchResult<TOutput>
{
    internal BatchResult(long index, Prediction? prediction, TOutput? output, Exception? error, bool fromJournal)
    {
        Index = index;
        Prediction = prediction;
        Output = output;
        Error = error;
        FromJournal = fromJournal;
    }

    /// <summary>Gets the position of the input in the sequence given to the batch, from 0.</summary>
    public long Index { get; }

    /// <summary>Gets the prediction in its final state, or <see langword="null"/> when none was created (the create was refused).</summary>
    public Prediction? Prediction { get; }

    /// <summary>Gets the output when <see cref="Succeeded"/>; otherwise <see langword="default"/>.</summary>
    public TOutput? Output { get; }

    /// <summary>
    /// Gets why the item failed, or <see langword="null"/> when it succeeded: <see cref="PredictionFailedException"/> (the
    /// model failed, or the prediction was canceled or aborted), <see cref="ReplicateApiException"/> (the create was
    /// refused), <see cref="InputValidationException"/> (the input breaks the schema; nothing was sent), or another error.
    /// </summary>
    public Exception? Error { get; }

    /// <summary>Gets whether the item succeeded and <see cref="Output"/> holds its output.</summary>
    public bool Succeeded => Error is null;

    /// <summary>Gets whether the item had finished in an earlier run and is reported from the journal.</summary>
    public bool FromJournal { get; }

    /// <inheritdoc />
    public override string ToString() =>
        $"BatchResult {{ Index = {Index}, Prediction = {Prediction?.Id ?? "(none)"}, {(Succeeded ? "Succeeded" : "Error = " + Error!.Message)} }}";
}
