namespace Replicate;

/// <summary>Where a batch stands: told through <see cref="BatchOptions.Progress"/> and logged.</summary>
public sealed class BatchProgress
{
    /// <summary>Gets how many items finished, succeeded or failed (items reported from the journal included).</summary>
    public long Completed => Succeeded + Failed;

    /// <summary>Gets how many items succeeded.</summary>
    public long Succeeded { get; init; }

    /// <summary>Gets how many items failed.</summary>
    public long Failed { get; init; }

    /// <summary>Gets how many items are running: started and not finished.</summary>
    public int InFlight { get; init; }

    /// <summary>Gets how many predictions this run created.</summary>
    public long Created { get; init; }

    /// <summary>Gets the number of inputs, when <see cref="BatchOptions.TotalCount"/> says it.</summary>
    public long? Total { get; init; }

    /// <summary>Gets how many predictions a second were created over the last 10 seconds.</summary>
    public double CreatesPerSecond { get; init; }

    /// <summary>Gets how many 429 (throttled) answers the batch's requests got.</summary>
    public int Throttled { get; init; }

    /// <summary>Gets how long the batch has run.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Gets the estimated time left at the current completion rate, when <see cref="Total"/> is known and items have finished.</summary>
    public TimeSpan? EstimatedRemaining { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Completed}{(Total is { } total ? "/" + total : string.Empty)} done ({Failed} failed), {InFlight} running, " +
        $"{CreatesPerSecond:0.#} creates/s, {Throttled} throttled{(EstimatedRemaining is { } eta ? $", {eta:hh\\:mm\\:ss} left" : string.Empty)}";
}
