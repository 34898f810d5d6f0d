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

    /// <summary>Cancels a prediction the caller abandoned; best effort and bounded, since the caller's own cancellation or exception is what must surface.</summary>
    public static async Task TryCancelAsync(ReplicateClient client, string predictionId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await client.Predictions.CancelAsync(predictionId, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ReplicateException or HttpRequestException or OperationCanceledException)
        {
        }
    }

    /// <summary>A model output for an error message: its JSON, cut to 200 characters.</summary>
    public static string Describe(System.Text.Json.JsonElement output)
    {
        var text = output.ValueKind == System.Text.Json.JsonValueKind.Undefined ? "nothing" : output.GetRawText();
        return text.Length <= 200 ? text : string.Concat(text.AsSpan(0, 200), "…");
    }
}
