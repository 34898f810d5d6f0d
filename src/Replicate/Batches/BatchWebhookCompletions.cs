using System.Collections.Concurrent;

namespace Replicate;

/// <summary>
/// Finishes a batch's items as your webhook receiver hears of them, instead of polling each prediction: set
/// <see cref="PredictionOptions.Webhook"/> in <see cref="BatchOptions.Prediction"/> to your receiver's URL, pass an
/// instance as <see cref="BatchOptions.WebhookCompletions"/>, and have the receiver hand every verified prediction to
/// <see cref="Report"/> (<c>ReplicateWebhook.ReadPrediction</c> verifies and reads one). An item no webhook reported is
/// polled every <see cref="FallbackPollInterval"/>, so a lost delivery only delays it.
/// </summary>
/// <remarks>
/// Thread-safe; one instance may serve several batches. A finished prediction reported before its batch knows its id
/// (a webhook can beat the create's answer) is kept until the batch asks, at most <see cref="MaxUnclaimed"/> of them:
/// predictions of other work reported here are dropped beyond that.
/// </remarks>
public sealed class BatchWebhookCompletions
{
    /// <summary>How many finished predictions no batch asked for yet are kept.</summary>
    public const int MaxUnclaimed = 10_000;

    private readonly ConcurrentDictionary<string, TaskCompletionSource<Prediction>> _waiting = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Prediction> _unclaimed = new(StringComparer.Ordinal);

    /// <summary>Gets or sets how often an item is polled while no webhook reported it (default 1 minute).</summary>
    public TimeSpan FallbackPollInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Reports a prediction your webhook receiver got; only finished ones (succeeded, failed, canceled) complete an item.</summary>
    /// <param name="prediction">The prediction the webhook carried, already verified.</param>
    /// <returns>Whether it was taken: <see langword="false"/> for a prediction still running, or when too many are unclaimed.</returns>
    public bool Report(Prediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        if (!prediction.Status.IsTerminal)
        {
            return false;
        }

        if (_waiting.TryRemove(prediction.Id, out var waiter))
        {
            waiter.TrySetResult(prediction);
            return true;
        }

        if (_unclaimed.Count >= MaxUnclaimed)
        {
            return false;
        }

        _unclaimed[prediction.Id] = prediction;

        // The batch may have started waiting meanwhile.
        if (_waiting.TryRemove(prediction.Id, out waiter) && _unclaimed.TryRemove(prediction.Id, out var claimed))
        {
            waiter.TrySetResult(claimed);
        }

        return true;
    }

    /// <summary>Waits for a webhook to report <paramref name="prediction"/> finished, polling it every <see cref="FallbackPollInterval"/> meanwhile.</summary>
    internal async Task<Prediction> WaitAsync(Prediction prediction, PredictionsClient predictions, TimeProvider time, CancellationToken cancellationToken)
    {
        var id = prediction.Id;
        var waiter = _waiting.GetOrAdd(id, static _ => new TaskCompletionSource<Prediction>(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            while (!prediction.Status.IsTerminal)
            {
                if (_unclaimed.TryRemove(id, out var reported))
                {
                    return reported;
                }

                try
                {
                    return await waiter.Task.WaitAsync(FallbackPollInterval, time, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // No webhook yet: ask the API, as WaitAsync would (and the next webhook still counts).
                    prediction = await predictions.GetAsync(id, cancellationToken).ConfigureAwait(false);
                }
            }

            return prediction;
        }
        finally
        {
            _waiting.TryRemove(new KeyValuePair<string, TaskCompletionSource<Prediction>>(id, waiter));
            _unclaimed.TryRemove(id, out _);
        }
    }
}
