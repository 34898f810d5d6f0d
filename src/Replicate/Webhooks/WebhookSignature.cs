using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Replicate;

/// <summary>
/// Verifies that a webhook delivery came from Replicate, by the Standard Webhooks scheme Replicate signs with: the
/// <c>webhook-signature</c> header holds space-separated <c>v1,&lt;base64&gt;</c> entries, each an HMAC-SHA256 of
/// <c>"{webhook-id}.{webhook-timestamp}.{body}"</c> keyed with the base64 part of the <c>whsec_</c> secret
/// (<see cref="WebhooksClient.GetDefaultSecretAsync"/>). Pass the body's bytes exactly as received: re-serialized JSON
/// does not verify. Signatures are compared in constant time; entries of other versions and malformed entries are
/// skipped; a timestamp outside the tolerance is refused, so a captured delivery cannot be replayed later.
/// </summary>
public static class WebhookSignature
{
    /// <summary>The default tolerance between a delivery's timestamp and now: 5 minutes, the common Standard Webhooks choice.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    private const string SecretPrefix = "whsec_";
    private const int SignatureBytes = 32;

    /// <summary>Verifies a delivery from its three headers and raw body; throws when it is not authentic.</summary>
    /// <param name="secret">The signing secret, <c>whsec_...</c>.</param>
    /// <param name="webhookId">The <c>webhook-id</c> header.</param>
    /// <param name="timestamp">The <c>webhook-timestamp</c> header (Unix seconds).</param>
    /// <param name="signatureHeader">The <c>webhook-signature</c> header.</param>
    /// <param name="body">The raw request body, byte for byte.</param>
    /// <param name="tolerance">How far the timestamp may be from now, either way (default <see cref="DefaultTolerance"/>); <see cref="Timeout.InfiniteTimeSpan"/> skips the check.</param>
    /// <param name="timeProvider">The clock (default <see cref="TimeProvider.System"/>).</param>
    /// <exception cref="WebhookVerificationException">The delivery is not authentic, or too old or too new; <see cref="WebhookVerificationException.Reason"/> says why.</exception>
    public static void Verify(string secret, string? webhookId, string? timestamp, string? signatureHeader, ReadOnlySpan<byte> body, TimeSpan? tolerance = null, TimeProvider? timeProvider = null)
    {
        var reason = Check(secret, webhookId, timestamp, signatureHeader, body, tolerance, timeProvider, out var message);
        if (reason != WebhookVerificationFailure.None)
        {
            throw new WebhookVerificationException(reason, message);
        }
    }

    /// <summary>Verifies a delivery from its headers (names matched case-insensitively) and raw body; throws when it is not authentic.</summary>
    /// <param name="secret">The signing secret, <c>whsec_...</c>.</param>
    /// <param name="headers">The request headers; <c>webhook-id</c>, <c>webhook-timestamp</c> and <c>webhook-signature</c> are read.</param>
    /// <param name="body">The raw request body, byte for byte.</param>
    /// <param name="tolerance">How far the timestamp may be from now (default <see cref="DefaultTolerance"/>); <see cref="Timeout.InfiniteTimeSpan"/> skips the check.</param>
    /// <param name="timeProvider">The clock (default <see cref="TimeProvider.System"/>).</param>
    /// <exception cref="WebhookVerificationException">The delivery is not authentic, or too old or too new.</exception>
    public static void Verify(string secret, IEnumerable<KeyValuePair<string, string>> headers, ReadOnlySpan<byte> body, TimeSpan? tolerance = null, TimeProvider? timeProvider = null)
    {
        var (id, timestamp, signature) = ReadHeaders(headers);
        Verify(secret, id, timestamp, signature, body, tolerance, timeProvider);
    }

    /// <summary>Verifies a delivery from its three headers and raw body, reporting instead of throwing.</summary>
    /// <param name="secret">The signing secret, <c>whsec_...</c>.</param>
    /// <param name="webhookId">The <c>webhook-id</c> header.</param>
    /// <param name="timestamp">The <c>webhook-timestamp</c> header (Unix seconds).</param>
    /// <param name="signatureHeader">The <c>webhook-signature</c> header.</param>
    /// <param name="body">The raw request body, byte for byte.</param>
    /// <param name="reason">Why verification failed, or <see cref="WebhookVerificationFailure.None"/>.</param>
    /// <param name="tolerance">How far the timestamp may be from now (default <see cref="DefaultTolerance"/>); <see cref="Timeout.InfiniteTimeSpan"/> skips the check.</param>
    /// <param name="timeProvider">The clock (default <see cref="TimeProvider.System"/>).</param>
    /// <returns>Whether the delivery is authentic and within the tolerance.</returns>
    public static bool TryVerify(string secret, string? webhookId, string? timestamp, string? signatureHeader, ReadOnlySpan<byte> body, out WebhookVerificationFailure reason, TimeSpan? tolerance = null, TimeProvider? timeProvider = null)
    {
        reason = Check(secret, webhookId, timestamp, signatureHeader, body, tolerance, timeProvider, out _);
        return reason == WebhookVerificationFailure.None;
    }

    /// <summary>Verifies a delivery from its headers (names matched case-insensitively) and raw body, reporting instead of throwing.</summary>
    /// <param name="secret">The signing secret, <c>whsec_...</c>.</param>
    /// <param name="headers">The request headers.</param>
    /// <param name="body">The raw request body, byte for byte.</param>
    /// <param name="reason">Why verification failed, or <see cref="WebhookVerificationFailure.None"/>.</param>
    /// <param name="tolerance">How far the timestamp may be from now (default <see cref="DefaultTolerance"/>); <see cref="Timeout.InfiniteTimeSpan"/> skips the check.</param>
    /// <param name="timeProvider">The clock (default <see cref="TimeProvider.System"/>).</param>
    /// <returns>Whether the delivery is authentic and within the tolerance.</returns>
    public static bool TryVerify(string secret, IEnumerable<KeyValuePair<string, string>> headers, ReadOnlySpan<byte> body, out WebhookVerificationFailure reason, TimeSpan? tolerance = null, TimeProvider? timeProvider = null)
    {
        var (id, timestamp, signature) = ReadHeaders(headers);
        return TryVerify(secret, id, timestamp, signature, body, out reason, tolerance, timeProvider);
    }

    /// <summary>
    /// Signs a payload the way Replicate does, for testing your receiver: the value of a <c>webhook-signature</c> header
    /// (<c>v1,&lt;base64&gt;</c>) for the given id, timestamp and body.
    /// </summary>
    /// <param name="secret">The signing secret, <c>whsec_...</c>.</param>
    /// <param name="webhookId">The <c>webhook-id</c>.</param>
    /// <param name="timestamp">The time sent as <c>webhook-timestamp</c> (whole Unix seconds).</param>
    /// <param name="body">The body.</param>
    /// <returns>The signature header value.</returns>
    /// <exception cref="ArgumentException">The secret is not <c>whsec_</c> followed by base64.</exception>
    public static string Sign(string secret, string webhookId, DateTimeOffset timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(webhookId);
        var key = DecodeSecret(secret) ?? throw new ArgumentException("The secret must be 'whsec_' followed by base64.", nameof(secret));
        Span<byte> signature = stackalloc byte[SignatureBytes];
        Compute(key, webhookId, timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), body, signature);
        return "v1," + Convert.ToBase64String(signature);
    }

    private static WebhookVerificationFailure Check(
        string secret, string? id, string? timestamp, string? signatureHeader, ReadOnlySpan<byte> body, TimeSpan? tolerance, TimeProvider? timeProvider, out string message)
    {
        var window = tolerance ?? DefaultTolerance;
        if (window < TimeSpan.Zero && window != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "The tolerance must be positive, or Timeout.InfiniteTimeSpan to skip the timestamp check.");
        }

        var missing = string.IsNullOrWhiteSpace(id) ? "webhook-id"
            : string.IsNullOrWhiteSpace(timestamp) ? "webhook-timestamp"
            : string.IsNullOrWhiteSpace(signatureHeader) ? "webhook-signature"
            : null;
        if (missing is not null)
        {
            message = $"The {missing} header is missing or empty: the request is not a signed webhook delivery.";
            return WebhookVerificationFailure.MissingHeader;
        }

        if (DecodeSecret(secret) is not { } key)
        {
            message = "The webhook secret is empty or is not 'whsec_' followed by base64; get it with replicate.Webhooks.GetDefaultSecretAsync().";
            return WebhookVerificationFailure.InvalidSecret;
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            message = "The webhook-timestamp header is not a number of Unix seconds.";
            return WebhookVerificationFailure.InvalidTimestamp;
        }

        Span<byte> expected = stackalloc byte[SignatureBytes];
        Compute(key, id!, timestamp!, body, expected);
        if (!AnySignatureMatches(signatureHeader!, expected))
        {
            message = "No v1 signature in the webhook-signature header matches the body: the request was not signed with this secret, or the body was changed (verify the raw bytes, not re-serialized JSON).";
            return WebhookVerificationFailure.NoMatchingSignature;
        }

        if (window != Timeout.InfiniteTimeSpan)
        {
            var now = (timeProvider ?? TimeProvider.System).GetUtcNow().ToUnixTimeSeconds();
            var limit = (long)Math.Min(window.TotalSeconds, long.MaxValue / 2);
            if (now - seconds > limit)
            {
                message = $"The webhook timestamp is {now - seconds} s old, more than the {limit} s tolerance: a replayed or long-delayed delivery.";
                return WebhookVerificationFailure.TimestampTooOld;
            }

            if (seconds - now > limit)
            {
                message = $"The webhook timestamp is {seconds - now} s in the future, more than the {limit} s tolerance: check this machine's clock.";
                return WebhookVerificationFailure.TimestampInFuture;
            }
        }

        message = string.Empty;
        return WebhookVerificationFailure.None;
    }

    /// <summary>Whether any <c>v1</c> entry decodes to <paramref name="expected"/>; other versions and junk are skipped.</summary>
    private static bool AnySignatureMatches(string header, ReadOnlySpan<byte> expected)
    {
        Span<byte> candidate = stackalloc byte[SignatureBytes + 3];
        var matched = false;
        var rest = header.AsSpan();
        while (!rest.IsEmpty)
        {
            var space = rest.IndexOf(' ');
            var entry = space < 0 ? rest : rest[..space];
            rest = space < 0 ? [] : rest[(space + 1)..];
            var comma = entry.IndexOf(',');
            if (comma < 0 || !entry[..comma].SequenceEqual("v1"))
            {
                continue;
            }

            // A value that is not base64 of 32 bytes cannot match; checking every entry keeps the time independent of
            // which one matched.
            if (Convert.TryFromBase64Chars(entry[(comma + 1)..], candidate, out var written)
                && CryptographicOperations.FixedTimeEquals(candidate[..written], expected))
            {
                matched = true;
            }
        }

        return matched;
    }

    private static void Compute(byte[] key, string id, string timestamp, ReadOnlySpan<byte> body, Span<byte> destination)
    {
        // Hashing the parts in turn signs "{id}.{timestamp}.{body}" without copying a large body.
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(Encoding.UTF8.GetBytes(id));
        hmac.AppendData("."u8);
        hmac.AppendData(Encoding.UTF8.GetBytes(timestamp));
        hmac.AppendData("."u8);
        hmac.AppendData(body);
        hmac.GetHashAndReset(destination);
    }

    private static byte[]? DecodeSecret(string? secret)
    {
        if (string.IsNullOrWhiteSpace(secret))
        {
            return null;
        }

        var encoded = secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret.AsSpan(SecretPrefix.Length) : secret.AsSpan();
        var buffer = new byte[(encoded.Length * 3 / 4) + 3];
        return !encoded.IsEmpty && Convert.TryFromBase64Chars(encoded, buffer, out var written) && written > 0 ? buffer[..written] : null;
    }

    private static (string? Id, string? Timestamp, string? Signature) ReadHeaders(IEnumerable<KeyValuePair<string, string>> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        string? id = null, timestamp = null, signature = null;
        foreach (var (name, value) in headers)
        {
            if (string.Equals(name, "webhook-id", StringComparison.OrdinalIgnoreCase))
            {
                id = value;
            }
            else if (string.Equals(name, "webhook-timestamp", StringComparison.OrdinalIgnoreCase))
            {
                timestamp = value;
            }
            else if (string.Equals(name, "webhook-signature", StringComparison.OrdinalIgnoreCase))
            {
                signature = value;
            }
        }

        return (id, timestamp, signature);
    }
}
