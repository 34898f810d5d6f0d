using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Replicate;

/// <summary>
/// Reads a webhook delivery: verifies its signature (<see cref="WebhookSignature"/>), then reads the payload, which is
/// the prediction (or training) as <c>GET /predictions/{id}</c> would return it. For ASP.NET Core, the
/// <c>Replicate.Sdk.AspNetCore</c> package wraps this as <c>request.ReadReplicateWebhookAsync(secret)</c>.
/// Deliveries can repeat and arrive out of order: deduplicate by the <c>webhook-id</c> header and ignore a status that
/// goes backwards.
/// </summary>
public static class ReplicateWebhook
{
    /// <summary>Verifies a prediction webhook and returns the prediction it carries.</summary>
    /// <param name="secret">The signing secret, <c>whsec_...</c> (<see cref="WebhooksClient.GetDefaultSecretAsync"/>).</param>
    /// <param name="headers">The request headers (names matched case-insensitively).</param>
    /// <param name="body">The raw request body, byte for byte.</param>
    /// <param name="tolerance">How far the timestamp may be from now (default <see cref="WebhookSignature.DefaultTolerance"/>).</param>
    /// <param name="timeProvider">The clock (default <see cref="TimeProvider.System"/>).</param>
    /// <returns>The prediction.</returns>
    /// <exception cref="WebhookVerificationException">The delivery is not authentic, or too old or too new.</exception>
    /// <exception cref="ReplicateException">The body is authentic but not a prediction.</exception>
    public static Prediction ReadPrediction(string secret, IEnumerable<KeyValuePair<string, string>> headers, ReadOnlySpan<byte> body, TimeSpan? tolerance = null, TimeProvider? timeProvider = null)
    {
        WebhookSignature.Verify(secret, headers, body, tolerance, timeProvider);
        return Deserialize(body, ReplicateJsonContext.Default.Prediction);
    }

    /// <summary>Verifies a training webhook and returns the training it carries.</summary>
    /// <param name="secret">The signing secret, <c>whsec_...</c>.</param>
    /// <param name="headers">The request headers (names matched case-insensitively).</param>
    /// <param name="body">The raw request body, byte for byte.</param>
    /// <param name="tolerance">How far the timestamp may be from now (default <see cref="WebhookSignature.DefaultTolerance"/>).</param>
    /// <param name="timeProvider">The clock (default <see cref="TimeProvider.System"/>).</param>
    /// <returns>The training.</returns>
    /// <exception cref="WebhookVerificationException">The delivery is not authentic, or too old or too new.</exception>
    /// <exception cref="ReplicateException">The body is authentic but not a training.</exception>
    public static Training ReadTraining(string secret, IEnumerable<KeyValuePair<string, string>> headers, ReadOnlySpan<byte> body, TimeSpan? tolerance = null, TimeProvider? timeProvider = null)
    {
        WebhookSignature.Verify(secret, headers, body, tolerance, timeProvider);
        return Deserialize(body, ReplicateJsonContext.Default.Training);
    }

    private static T Deserialize<T>(ReadOnlySpan<byte> body, JsonTypeInfo<T> typeInfo)
    {
        try
        {
            return JsonSerializer.Deserialize(body, typeInfo)
                ?? throw new ReplicateException($"The webhook body is signed but empty (null) where a {typeof(T).Name} was expected.");
        }
        catch (JsonException ex)
        {
            throw new ReplicateException($"The webhook body is signed but is not a {typeof(T).Name}: {ex.Message}", ex);
        }
    }
}
