using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace Replicate.Tests;

public class WebhookSignatureTests
{
    private const string Secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    private const string Id = "msg_2aCqB5q1";
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"id":"gm3qorzdhgbfurvjtvhg6dckhu","status":"succeeded","output":"héllo"}""");

    [Fact]
    public void ThePublishedStandardWebhooksVector_VerifiesAndIsReproducedBySign()
    {
        // The Standard Webhooks specification's own vector ("sign function works" in
        // standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts at 10d3e46d), the scheme
        // Replicate signs with; its signature is also the example in Replicate's webhook docs.
        const string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        const string signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
        var body = Encoding.UTF8.GetBytes("""{"test": 2432232314}""");
        var clock = Clock(DateTimeOffset.FromUnixTimeSeconds(1614265330));

        WebhookSignature.Verify(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", signature, body, timeProvider: clock);

        Assert.Equal(signature, WebhookSignature.Sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", DateTimeOffset.FromUnixTimeSeconds(1614265330), body));
        Assert.True(WebhookSignature.TryVerify("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", signature, body, out var reason, timeProvider: clock));
        Assert.Equal(WebhookVerificationFailure.None, reason);
    }

    [Fact]
    public void AVectorComputedFromTheScheme_Verifies_WithTheRawBodyBytes()
    {
        var signature = Expected(Secret, Id, Now.ToUnixTimeSeconds(), Body);

        WebhookSignature.Verify(Secret, Id, Timestamp(Now), signature, Body, timeProvider: Clock(Now));

        Assert.Equal(signature, WebhookSignature.Sign(Secret, Id, Now, Body));
        Assert.StartsWith("v1,", signature, StringComparison.Ordinal);
    }

    [Fact]
    public void ATamperedBody_OrAWrongSecret_HasNoMatchingSignature()
    {
        var signature = Expected(Secret, Id, Now.ToUnixTimeSeconds(), Body);
        var tampered = (byte[])Body.Clone();
        tampered[^2] ^= 0x01;
        var reserialized = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Body).Replace(":", ": ", StringComparison.Ordinal));

        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, Reason(Secret, Id, Timestamp(Now), signature, tampered));
        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, Reason(Secret, Id, Timestamp(Now), signature, reserialized));
        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, Reason("whsec_" + Convert.ToBase64String(new byte[24]), Id, Timestamp(Now), signature, Body));
        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, Reason(Secret, "msg_other", Timestamp(Now), signature, Body));
        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, Reason(Secret, Id, Timestamp(Now.AddSeconds(1)), signature, Body));
        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, Reason(Secret, Id, Timestamp(Now), signature, []));
    }

    [Theory]
    [InlineData(-301, WebhookVerificationFailure.TimestampTooOld)]
    [InlineData(-300, WebhookVerificationFailure.None)]
    [InlineData(0, WebhookVerificationFailure.None)]
    [InlineData(300, WebhookVerificationFailure.None)]
    [InlineData(301, WebhookVerificationFailure.TimestampInFuture)]
    [InlineData(-86_400, WebhookVerificationFailure.TimestampTooOld)]
    public void Timestamps_OutsideFiveMinutes_AreRejected_EvenWithAValidSignature(int offsetSeconds, WebhookVerificationFailure expected)
    {
        var sent = Now.AddSeconds(offsetSeconds);
        var signature = Expected(Secret, Id, sent.ToUnixTimeSeconds(), Body);

        Assert.Equal(expected, Reason(Secret, Id, Timestamp(sent), signature, Body));
    }

    [Fact]
    public void TheToleranceCanBeChanged_OrTheCheckSkipped()
    {
        var sent = Now.AddMinutes(-30);
        var signature = Expected(Secret, Id, sent.ToUnixTimeSeconds(), Body);

        Assert.True(WebhookSignature.TryVerify(Secret, Id, Timestamp(sent), signature, Body, out _, TimeSpan.FromHours(1), Clock(Now)));
        Assert.True(WebhookSignature.TryVerify(Secret, Id, Timestamp(sent), signature, Body, out _, Timeout.InfiniteTimeSpan, Clock(Now)));
        Assert.False(WebhookSignature.TryVerify(Secret, Id, Timestamp(sent), signature, Body, out var reason, TimeSpan.FromMinutes(29), Clock(Now)));
        Assert.Equal(WebhookVerificationFailure.TimestampTooOld, reason);
        Assert.Throws<ArgumentOutOfRangeException>(() => WebhookSignature.TryVerify(Secret, Id, Timestamp(sent), signature, Body, out _, TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public void SeveralSignatures_AnyValidV1Matches_AndJunkOrOtherVersionsAreSkipped()
    {
        var valid = Expected(Secret, Id, Now.ToUnixTimeSeconds(), Body);
        var validBytes = valid["v1,".Length..];
        string[] junk = ["", "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=", "v2," + validBytes, "v1a," + validBytes, "nocomma", "v1,", "v1,!!!not-base64!!!", ",", "v1," + validBytes[..10], "v1," + Convert.ToBase64String(new byte[64])];

        Assert.Equal(WebhookVerificationFailure.None, Reason(Secret, Id, Timestamp(Now), string.Join(' ', junk) + " " + valid, Body));
        Assert.Equal(WebhookVerificationFailure.None, Reason(Secret, Id, Timestamp(Now), valid + "  " + string.Join(' ', junk), Body));
        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, Reason(Secret, Id, Timestamp(Now), string.Join(' ', junk), Body));
        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, Reason(Secret, Id, Timestamp(Now), "v2," + validBytes, Body));
    }

    [Theory]
    [InlineData(null, "1", "v1,x", WebhookVerificationFailure.MissingHeader)]
    [InlineData("id", "", "v1,x", WebhookVerificationFailure.MissingHeader)]
    [InlineData("id", "1", " ", WebhookVerificationFailure.MissingHeader)]
    [InlineData("id", "hello", "v1,x", WebhookVerificationFailure.InvalidTimestamp)]
    [InlineData("id", "-5", "v1,x", WebhookVerificationFailure.InvalidTimestamp)]
    [InlineData("id", "1.5", "v1,x", WebhookVerificationFailure.InvalidTimestamp)]
    [InlineData("id", "99999999999999999999", "v1,x", WebhookVerificationFailure.InvalidTimestamp)]
    public void MissingOrMalformedHeaders_AreReportedAsSuch(string? id, string? timestamp, string? signature, WebhookVerificationFailure expected)
    {
        Assert.Equal(expected, Reason(Secret, id, timestamp, signature, Body));
    }

    [Theory]
    [InlineData("")]
    [InlineData("whsec_")]
    [InlineData("whsec_not base64!")]
    [InlineData("   ")]
    public void AnInvalidSecret_IsReportedAsSuch(string secret)
    {
        Assert.Equal(WebhookVerificationFailure.InvalidSecret, Reason(secret, Id, Timestamp(Now), "v1,x", Body));
        Assert.Throws<ArgumentException>(() => WebhookSignature.Sign(secret, Id, Now, Body));
    }

    [Fact]
    public void Verify_Throws_WithTheReason_AndNeverShowsTheSecretOrExpectedSignature()
    {
        var expected = Expected(Secret, Id, Now.ToUnixTimeSeconds(), Body);

        var ex = Assert.Throws<WebhookVerificationException>(() =>
            WebhookSignature.Verify(Secret, Id, Timestamp(Now), "v1," + Convert.ToBase64String(new byte[32]), Body, timeProvider: Clock(Now)));

        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, ex.Reason);
        Assert.DoesNotContain(Secret["whsec_".Length..], ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(expected["v1,".Length..], ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<ReplicateException>(ex);
    }

    [Fact]
    public void TheHeadersOverload_FindsNamesCaseInsensitively()
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Content-Type"] = "application/json",
            ["Webhook-Id"] = Id,
            ["WEBHOOK-TIMESTAMP"] = Timestamp(Now),
            ["webhook-Signature"] = Expected(Secret, Id, Now.ToUnixTimeSeconds(), Body),
        };

        WebhookSignature.Verify(Secret, headers, Body, timeProvider: Clock(Now));

        Assert.True(WebhookSignature.TryVerify(Secret, headers, Body, out _, timeProvider: Clock(Now)));
        headers.Remove("Webhook-Id");
        Assert.False(WebhookSignature.TryVerify(Secret, headers, Body, out var reason, timeProvider: Clock(Now)));
        Assert.Equal(WebhookVerificationFailure.MissingHeader, reason);
    }

    [Fact]
    public void ThousandsOfRandomBodies_Verify_AndAnySingleByteChangeFails()
    {
        var random = new Random(20260101);
        var key = new byte[24];
        for (var i = 0; i < 3000; i++)
        {
            random.NextBytes(key);
            var secret = "whsec_" + Convert.ToBase64String(key);
            var body = new byte[random.Next(0, 600)];
            random.NextBytes(body);
            var id = "msg_" + random.Next().ToString(CultureInfo.InvariantCulture);
            var signature = Expected(secret, id, Now.ToUnixTimeSeconds(), body);

            Assert.Equal(WebhookVerificationFailure.None, Reason(secret, id, Timestamp(Now), signature, body));
            if (body.Length == 0)
            {
                continue;
            }

            var mutated = (byte[])body.Clone();
            mutated[random.Next(body.Length)] ^= (byte)random.Next(1, 256);
            Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, Reason(secret, id, Timestamp(Now), signature, mutated));
        }
    }

    [Fact]
    public void ReadPrediction_VerifiesThenReadsThePayload()
    {
        var headers = new Dictionary<string, string>
        {
            ["webhook-id"] = Id,
            ["webhook-timestamp"] = Timestamp(Now),
            ["webhook-signature"] = Expected(Secret, Id, Now.ToUnixTimeSeconds(), Body),
        };

        var prediction = ReplicateWebhook.ReadPrediction(Secret, headers, Body, timeProvider: Clock(Now));
        var forged = Assert.Throws<WebhookVerificationException>(() => ReplicateWebhook.ReadPrediction("whsec_" + Convert.ToBase64String(new byte[8]), headers, Body, timeProvider: Clock(Now)));
        var notJson = Encoding.UTF8.GetBytes("not json");
        headers["webhook-signature"] = Expected(Secret, Id, Now.ToUnixTimeSeconds(), notJson);
        var garbage = Assert.Throws<ReplicateException>(() => ReplicateWebhook.ReadPrediction(Secret, headers, notJson, timeProvider: Clock(Now)));

        Assert.Equal(("gm3qorzdhgbfurvjtvhg6dckhu", PredictionStatus.Succeeded, "héllo"), (prediction.Id, prediction.Status, prediction.Output?.GetString()));
        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, forged.Reason);
        Assert.IsNotType<WebhookVerificationException>(garbage);
    }

    /// <summary>The scheme written out independently of the SDK: base64 HMAC-SHA256 of "{id}.{timestamp}.{body}".</summary>
    private static string Expected(string secret, string id, long timestamp, byte[] body)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var signed = Encoding.UTF8.GetBytes(id + "." + timestamp.ToString(CultureInfo.InvariantCulture) + ".").Concat(body).ToArray();
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed));
    }

    private static WebhookVerificationFailure Reason(string secret, string? id, string? timestamp, string? signature, byte[] body)
    {
        WebhookSignature.TryVerify(secret, id, timestamp, signature, body, out var reason, timeProvider: Clock(Now));
        return reason;
    }

    private static string Timestamp(DateTimeOffset time) => time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    private static FakeTimeProvider Clock(DateTimeOffset now) => new(now);
}
