using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using Replicate.AspNetCore;

namespace Replicate.Tests;

public class AspNetCoreWebhookTests
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ReadReplicateWebhookAsync_VerifiesTheRawBody_ThenReadsThePrediction()
    {
        var padding = new string('x', 100_000);
        var body = $$"""{"id":"p1","status":"succeeded","logs":"{{padding}}","output":["a","b"]}""";
        var request = Request(body, signedBody: body);

        var prediction = await request.ReadReplicateWebhookAsync(Secret, new ReplicateWebhookOptions { TimeProvider = Clock() });

        Assert.Equal(("p1", PredictionStatus.Succeeded, 100_000), (prediction.Id, prediction.Status, prediction.Logs?.Length));
    }

    [Fact]
    public async Task ReadReplicateTrainingWebhookAsync_ReadsTheTraining()
    {
        const string body = """{"id":"t1","status":"succeeded","output":{"version":"acme/tuned:abc","weights":"https://w"}}""";

        var training = await Request(body, body).ReadReplicateTrainingWebhookAsync(Secret, new ReplicateWebhookOptions { TimeProvider = Clock() });

        Assert.Equal("acme/tuned:abc", training.Output?.Version);
    }

    [Fact]
    public async Task ATamperedBodyOrAnOldTimestamp_Throws_WithTheReason()
    {
        const string body = """{"id":"p1","status":"succeeded"}""";

        var tampered = await Assert.ThrowsAsync<WebhookVerificationException>(() =>
            Request(body.Replace("succeeded", "failed", StringComparison.Ordinal), body).ReadReplicateWebhookAsync(Secret, new ReplicateWebhookOptions { TimeProvider = Clock() }));
        var replayed = await Assert.ThrowsAsync<WebhookVerificationException>(() =>
            Request(body, body).ReadReplicateWebhookAsync(Secret, new ReplicateWebhookOptions { TimeProvider = Clock(TimeSpan.FromMinutes(6)) }));

        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, tampered.Reason);
        Assert.Equal(WebhookVerificationFailure.TimestampTooOld, replayed.Reason);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ABodyOverTheLimit_IsRefusedUnverified_WithOrWithoutContentLength(bool declareLength)
    {
        var body = new string('x', 2000);
        var request = Request(body, body);
        if (!declareLength)
        {
            request.ContentLength = null;
        }

        var ex = await Assert.ThrowsAsync<WebhookVerificationException>(() =>
            request.ReadReplicateWebhookAsync(Secret, new ReplicateWebhookOptions { MaxBodyBytes = 1000, TimeProvider = Clock() }));

        Assert.Equal(WebhookVerificationFailure.BodyTooLarge, ex.Reason);
        // A declared length is refused before reading; an undeclared one stops being read just past the limit.
        Assert.InRange(request.Body.Position, 0, declareLength ? 0 : body.Length - 1);
    }

    [Fact]
    public async Task SignaturesOnSeveralHeaderLines_AreOneList()
    {
        // During a secret rotation the sender signs with both secrets; a proxy may split the list over two lines.
        const string body = """{"id":"p1","status":"succeeded"}""";
        var request = Request(body, body);
        var valid = request.Headers["webhook-signature"].ToString();
        request.Headers["webhook-signature"] = new Microsoft.Extensions.Primitives.StringValues(["v1,c2lnbmVkIHdpdGggYW4gb2xkIHNlY3JldA==", valid]);

        var prediction = await request.ReadReplicateWebhookAsync(Secret, new ReplicateWebhookOptions { TimeProvider = Clock() });

        Assert.Equal("p1", prediction.Id);
    }

    private static HttpRequest Request(string body, string signedBody)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Body = new MemoryStream(bytes);
        context.Request.ContentLength = bytes.Length;
        context.Request.Headers["webhook-id"] = "msg_1";
        context.Request.Headers["webhook-timestamp"] = Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        context.Request.Headers["webhook-signature"] = WebhookSignature.Sign(Secret, "msg_1", Now, Encoding.UTF8.GetBytes(signedBody));
        return context.Request;
    }

    private static FakeTimeProvider Clock(TimeSpan? after = null) => new(Now + (after ?? TimeSpan.Zero));
}
