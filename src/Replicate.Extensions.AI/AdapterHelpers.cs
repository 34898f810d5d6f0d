using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Replicate.Extensions.AI;

/// <summary>What every adapter does the same way: pass-through inputs, <c>GetService</c>, and best-effort cancellation.</summary>
internal static class AdapterHelpers
{
    /// <summary>
    /// Copies every entry of an options' <c>AdditionalProperties</c> into the input as it is, replacing a mapped value
    /// of the same name; a <see langword="null"/> value removes that input.
    /// </summary>
    public static void ApplyAdditionalProperties(IDictionary<string, object?> input, AdditionalPropertiesDictionary? extra)
    {
        if (extra is null)
        {
            return;
        }

        foreach (var (name, value) in extra)
        {
            if (value is null)
            {
                input.Remove(name);
            }
            else
            {
                input[name] = value;
            }
        }
    }

    /// <summary>
    /// The <c>GetService</c> of every adapter: its metadata, itself, or the <see cref="ReplicateClient"/> under it;
    /// nothing for a keyed request.
    /// </summary>
    public static object? GetService(Type serviceType, object? serviceKey, object adapter, object metadata, ReplicateClient client)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == metadata.GetType())
        {
            return metadata;
        }

        if (serviceType.IsInstanceOfType(adapter))
        {
            return adapter;
        }

        return serviceType.IsInstanceOfType(client) ? client : null;
    }

    /// <summary>
    /// Cancels a prediction the caller abandoned, in the background: the caller's own cancellation or exception surfaces
    /// at once, and the cancel request is bounded by the client's own attempt timeout and retry policy (on its
    /// <see cref="TimeProvider"/>). Best effort: a failure is observed and dropped.
    /// </summary>
    private static void CancelInBackground(ReplicateClient client, string predictionId) =>
        _ = Task.Run(async () =>
        {
            try
            {
                await client.Predictions.CancelAsync(predictionId, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ReplicateException or HttpRequestException or OperationCanceledException or TimeoutException or ObjectDisposedException)
            {
            }
        });

    /// <summary>
    /// Yields a streamed prediction's updates and, when the caller abandons them before the prediction is over (breaks
    /// out, cancels, or an error other than the prediction's own failure ends the loop), cancels it on the server.
    /// </summary>
    /// <param name="client">The client that created the prediction.</param>
    /// <param name="predictionId">The prediction.</param>
    /// <param name="updates">The updates; ending normally or with <see cref="PredictionFailedException"/> means the prediction is over.</param>
    /// <param name="endsPrediction">Whether an update is the last one, sent once the prediction is over.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    public static async IAsyncEnumerable<T> CancelIfAbandonedAsync<T>(
        ReplicateClient client, string predictionId, IAsyncEnumerable<T> updates, Func<T, bool> endsPrediction, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var enumerator = updates.GetAsyncEnumerator(cancellationToken);
        var ended = false; // the prediction is over on the server, so there is nothing to cancel
        try
        {
            while (true)
            {
                try
                {
                    if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                    {
                        ended = true;
                        break;
                    }
                }
                catch (PredictionFailedException)
                {
                    ended = true;
                    throw;
                }

                ended = endsPrediction(enumerator.Current);
                yield return enumerator.Current;
            }
        }
        finally
        {
            await enumerator.DisposeAsync().ConfigureAwait(false);
            if (!ended)
            {
                CancelInBackground(client, predictionId);
            }
        }
    }

    /// <summary>The finished prediction after its stream ended (metrics and the final output are only there), waiting if it is not yet terminal.</summary>
    /// <exception cref="PredictionFailedException">It failed or was canceled.</exception>
    public static async Task<Prediction> FinishAsync(ReplicateClient client, string predictionId, CancellationToken cancellationToken)
    {
        var final = await client.Predictions.GetAsync(predictionId, cancellationToken).ConfigureAwait(false);
        if (!final.Status.IsTerminal)
        {
            final = await client.Predictions.WaitAsync(final, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        return final.Status.IsSucceeded ? final : throw new PredictionFailedException(final);
    }

    /// <summary>A model output for an error message: its JSON, cut to 200 characters.</summary>
    public static string Describe(System.Text.Json.JsonElement output)
    {
        var text = output.ValueKind == System.Text.Json.JsonValueKind.Undefined ? "nothing" : output.GetRawText();
        return text.Length <= 200 ? text : string.Concat(text.AsSpan(0, 200), "…");
    }
}
