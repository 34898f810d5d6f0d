using Replicate;

namespace Webhooks;

/// <summary>What <see cref="CompletedPredictions.Record"/> did with a delivery.</summary>
public enum DeliveryOutcome
{
    /// <summary>The prediction reached a terminal state for the first time: it was recorded.</summary>
    Completed,

    /// <summary>A newer intermediate state (started, new output or logs) of a prediction still running.</summary>
    Progress,

    /// <summary>A delivery already handled (same <c>webhook-id</c>): Replicate retried it, or it arrived twice.</summary>
    Duplicate,

    /// <summary>Older than what is known (a status regression, or anything after completion): ignored.</summary>
    Stale,
}

/// <summary>
/// The completed predictions this app has been told about, recorded idempotently: Replicate may deliver a webhook more
/// than once and, rarely, out of order. Deliveries are deduplicated by <c>webhook-id</c>, a prediction is recorded once
/// (its first terminal delivery), and a status that goes backwards is ignored. In memory for the sample; a real app
/// keeps the same rules with a unique key on the webhook id in its database.
/// </summary>
public sealed class CompletedPredictions
{
    private readonly object _gate = new();
    private readonly HashSet<string> _webhookIds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Prediction> _latest = new(StringComparer.Ordinal);
    private readonly List<Prediction> _completed = [];

    /// <summary>Gets the completed predictions, in the order they completed.</summary>
    public IReadOnlyList<Prediction> Completed
    {
        get
        {
            lock (_gate)
            {
                return [.. _completed];
            }
        }
    }

    /// <summary>Applies one verified delivery.</summary>
    /// <param name="webhookId">The delivery's <c>webhook-id</c> header.</param>
    /// <param name="prediction">The prediction it carried.</param>
    /// <returns>What was done with it.</returns>
    public DeliveryOutcome Record(string webhookId, Prediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        lock (_gate)
        {
            if (!_webhookIds.Add(webhookId))
            {
                return DeliveryOutcome.Duplicate;
            }

            if (_latest.TryGetValue(prediction.Id, out var known) && !MovesForward(known, prediction))
            {
                return DeliveryOutcome.Stale;
            }

            _latest[prediction.Id] = prediction;
            if (!prediction.Status.IsTerminal)
            {
                return DeliveryOutcome.Progress;
            }

            _completed.Add(prediction);
            return DeliveryOutcome.Completed;
        }
    }

    /// <summary>Nothing follows a terminal state; otherwise a later status, or the same one with more output or logs.</summary>
    private static bool MovesForward(Prediction known, Prediction next) =>
        !known.Status.IsTerminal
        && (Rank(next.Status) > Rank(known.Status) || (Rank(next.Status) == Rank(known.Status) && IsNewer(next, known)));

    /// <summary>starting &lt; processing &lt; terminal (succeeded, failed, canceled, aborted): statuses only move forward.</summary>
    private static int Rank(PredictionStatus status) =>
        status == PredictionStatus.Starting ? 0 : status == PredictionStatus.Processing ? 1 : 2;

    /// <summary>Of two deliveries with the same status, the one with more output or logs is the newer.</summary>
    private static bool IsNewer(Prediction candidate, Prediction known) =>
        (candidate.Logs?.Length ?? 0) > (known.Logs?.Length ?? 0)
        || (candidate.Output?.ValueKind == System.Text.Json.JsonValueKind.Array && known.Output?.ValueKind == System.Text.Json.JsonValueKind.Array
            && candidate.Output.Value.GetArrayLength() > known.Output.Value.GetArrayLength());
}
