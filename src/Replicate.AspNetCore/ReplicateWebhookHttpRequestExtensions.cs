using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace Replicate.AspNetCore;

/// <summary>
/// Reads Replicate webhook deliveries in ASP.NET Core: the raw body (bounded), its signature verified with the account's
/// secret, then the prediction or training it carries.
/// </summary>
/// <example>
/// <code>
/// app.MapPost("/webhooks/replicate", async (HttpRequest request, CancellationToken ct) =&gt;
/// {
///     Prediction prediction;
///     try { prediction = await request.ReadReplicateWebhookAsync(secret, ct); }
///     catch (WebhookVerificationException) { return Results.Unauthorized(); }
///     // deduplicate by request.Headers["webhook-id"]; ignore status regressions
///     return Results.Ok();
/// });
/// </code>
/// </example>
public static class ReplicateWebhookHttpRequestExtensions
{
    /// <summary>Reads a prediction webhook: verifies the signature over the raw body, then returns the prediction.</summary>
    /// <param name="request">The incoming request.</param>
    /// <param name="secret">The signing secret, <c>whsec_...</c> (<c>replicate.Webhooks.GetDefaultSecretAsync()</c>).</param>
    /// <param name="cancellationToken">Cancels reading the body.</param>
    /// <returns>The prediction.</returns>
    /// <exception cref="WebhookVerificationException">The delivery is not authentic, too old or too new, or its body too large: answer 4xx.</exception>
    /// <exception cref="ReplicateException">The body is authentic but not a prediction.</exception>
    public static Task<Prediction> ReadReplicateWebhookAsync(this HttpRequest request, string secret, CancellationToken cancellationToken = default) =>
        ReadReplicateWebhookAsync(request, secret, options: null, cancellationToken);

    /// <summary>Reads a prediction webhook with explicit limits: verifies the signature over the raw body, then returns the prediction.</summary>
    /// <param name="request">The incoming request.</param>
    /// <param name="secret">The signing secret, <c>whsec_...</c>.</param>
    /// <param name="options">Body limit, timestamp tolerance and clock; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels reading the body.</param>
    /// <returns>The prediction.</returns>
    /// <exception cref="WebhookVerificationException">The delivery is not authentic, too old or too new, or its body too large.</exception>
    /// <exception cref="ReplicateException">The body is authentic but not a prediction.</exception>
    public static async Task<Prediction> ReadReplicateWebhookAsync(this HttpRequest request, string secret, ReplicateWebhookOptions? options, CancellationToken cancellationToken = default)
    {
        var (body, length) = await ReadBodyAsync(request, options, cancellationToken).ConfigureAwait(false);
        try
        {
            return ReplicateWebhook.ReadPrediction(secret, Headers(request), body.AsSpan(0, length), options?.Tolerance, options?.TimeProvider);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    /// <summary>Reads a training webhook: verifies the signature over the raw body, then returns the training.</summary>
    /// <param name="request">The incoming request.</param>
    /// <param name="secret">The signing secret, <c>whsec_...</c>.</param>
    /// <param name="options">Body limit, timestamp tolerance and clock; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels reading the body.</param>
    /// <returns>The training.</returns>
    /// <exception cref="WebhookVerificationException">The delivery is not authentic, too old or too new, or its body too large.</exception>
    /// <exception cref="ReplicateException">The body is authentic but not a training.</exception>
    public static async Task<Training> ReadReplicateTrainingWebhookAsync(this HttpRequest request, string secret, ReplicateWebhookOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (body, length) = await ReadBodyAsync(request, options, cancellationToken).ConfigureAwait(false);
        try
        {
            return ReplicateWebhook.ReadTraining(secret, Headers(request), body.AsSpan(0, length), options?.Tolerance, options?.TimeProvider);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    private static KeyValuePair<string, string>[] Headers(HttpRequest request) =>
    [
        new("webhook-id", request.Headers["webhook-id"].ToString()),
        new("webhook-timestamp", request.Headers["webhook-timestamp"].ToString()),

        // Several header lines are one space-separated list of signatures (StringValues.ToString would join them with ',').
        new("webhook-signature", string.Join(' ', request.Headers["webhook-signature"].ToArray())),
    ];

    /// <summary>Reads the raw body into a rented buffer, refusing one past the limit before and while reading it.</summary>
    private static async Task<(byte[] Buffer, int Length)> ReadBodyAsync(HttpRequest request, ReplicateWebhookOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var limit = options?.MaxBodyBytes ?? ReplicateWebhookOptions.DefaultMaxBodyBytes;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit, nameof(options));
        if (request.ContentLength > limit)
        {
            throw TooLarge(limit);
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(request.ContentLength ?? 16 * 1024, limit) + 1);
        var length = 0;
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
            {
                length += read;
                if (length > limit)
                {
                    throw TooLarge(limit);
                }

                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
            }

            return (buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static WebhookVerificationException TooLarge(int limit) =>
        new(WebhookVerificationFailure.BodyTooLarge, $"The webhook body is larger than the {limit} bytes this endpoint accepts (ReplicateWebhookOptions.MaxBodyBytes); it was not verified.");
}
