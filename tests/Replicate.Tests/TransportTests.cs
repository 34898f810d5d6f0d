using System.Net;
using System.Text.RegularExpressions;
using Replicate.Tests.Infrastructure;
using static Replicate.Tests.Infrastructure.ScriptedApi;

namespace Replicate.Tests;

public class TransportTests
{
    [Fact]
    public async Task Requests_CarryBearerToken_UserAgent_AndAcceptJson()
    {
        using var server = Start();
        server.Given(Api("predictions/p1")).RespondWith(Json(200, Prediction()));
        using var client = new ReplicateClient(new ReplicateClientOptions
        {
            ApiToken = Token, BaseAddress = server.ApiBase(), UserAgentSuffix = "my-app/1.2",
        });

        await client.Predictions.GetAsync("p1");

        var request = Assert.Single(server.Requests());
        Assert.Equal("GET", request.Method);
        Assert.Equal("/v1/predictions/p1", request.Path + request.RawQuery);
        Assert.Equal("Bearer " + Token, request.Header("Authorization"));
        Assert.Matches(new Regex(@"^replicate-dotnet/\d+\.\d+\.\d+\S* my-app/1\.2$"), request.Header("User-Agent"));
        Assert.Equal("application/json", request.Header("Accept"));
    }

    [Fact]
    public async Task ProblemDetails_MapToReplicateApiException()
    {
        using var server = Start();
        server.Given(Api("models/acme/echo/predictions", "POST")).RespondWith(Json(
            422,
            """{"type":"https://replicate.com/errors/invalid","title":"Invalid version or not permitted","detail":"The specified version does not exist (or perhaps you don't have permission to use it?)","status":422,"instance":"/v1/predictions/x","invalid_fields":[1]}""",
            "application/problem+json"));
        var clock = new TestClock();
        using var client = Client(server.ApiBase(), clock);

        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => clock.RunAsync(client.Predictions.CreateAsync("acme/echo", new { a = 1 })));

        Assert.Equal((HttpStatusCode)422, ex.StatusCode);
        Assert.Equal("https://replicate.com/errors/invalid", ex.Type);
        Assert.Equal("Invalid version or not permitted", ex.Title);
        Assert.StartsWith("The specified version does not exist", ex.Detail, StringComparison.Ordinal);
        Assert.Equal("/v1/predictions/x", ex.Instance);
        Assert.Contains("invalid_fields", ex.ResponseBody, StringComparison.Ordinal);
        Assert.Equal("POST", ex.RequestMethod);
        Assert.Equal("/v1/models/acme/echo/predictions", ex.RequestUri!.AbsolutePath);
        Assert.Contains("POST /v1/models/acme/echo/predictions failed with 422 Unprocessable Entity: Invalid version or not permitted - The specified version", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NonJsonErrorBody_IsKeptAsText()
    {
        using var server = Start();
        server.Given(Api("predictions/p1")).RespondWith(Json(502, "<html><body>Bad Gateway from proxy</body></html>", "text/html"));
        var clock = new TestClock();
        using var client = Client(server.ApiBase(), clock, maxRetries: 0);

        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => clock.RunAsync(client.Predictions.GetAsync("p1")));

        Assert.Equal(HttpStatusCode.BadGateway, ex.StatusCode);
        Assert.Null(ex.Detail);
        Assert.Contains("Bad Gateway from proxy", ex.ResponseBody, StringComparison.Ordinal);
        Assert.Contains("Bad Gateway from proxy", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BrokenJsonProblemBody_StillGivesTheStatus()
    {
        using var server = Start();
        server.Given(Api("predictions/p1")).RespondWith(Json(404, "{\"detail\": ", "application/problem+json"));
        var clock = new TestClock();
        using var client = Client(server.ApiBase(), clock);
        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => clock.RunAsync(client.Predictions.GetAsync("p1")));
        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Equal("{\"detail\": ", ex.ResponseBody);
    }

    [Fact]
    public async Task Unauthorized_SaysHowToFixTheToken()
    {
        using var server = Start();
        server.Given(Api("predictions/p1")).RespondWith(Json(
            401, """{"title":"Unauthenticated","detail":"You did not pass a valid authentication token","status":401}""", "application/problem+json"));
        var clock = new TestClock();
        using var client = Client(server.ApiBase(), clock);
        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => clock.RunAsync(client.Predictions.GetAsync("p1")));
        Assert.Contains("REPLICATE_API_TOKEN", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidJsonInASuccessfulResponse_IsAReplicateException()
    {
        using var server = Start();
        server.Given(Api("predictions/p1")).RespondWith(Json(200, "{\"id\":\"p1\",\"status\":"));
        var clock = new TestClock();
        using var client = Client(server.ApiBase(), clock);
        var ex = await Assert.ThrowsAsync<ReplicateException>(() => clock.RunAsync(client.Predictions.GetAsync("p1")));
        Assert.Contains("GET /v1/predictions/p1", ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<System.Text.Json.JsonException>(ex.InnerException);
    }

    [Fact]
    public async Task DeeplyNestedJson_IsRejectedNotStackOverflowed()
    {
        var deep = new string('[', 10_000) + new string(']', 10_000);
        using var server = Start();
        server.Given(Api("predictions/p1")).RespondWith(Json(200, $$"""{"id":"p1","status":"succeeded","output":{{deep}}}"""));
        var clock = new TestClock();
        using var client = Client(server.ApiBase(), clock);
        await Assert.ThrowsAsync<ReplicateException>(() => clock.RunAsync(client.Predictions.GetAsync("p1")));
    }

    [Fact]
    public async Task APlainHttpClient_WithoutTheSdkHandler_ReadsPredictionsAndPages_FromTheNetworkStream()
    {
        // Without the retry handler nothing buffers the body: the transport parses the network stream with the
        // source-generated metadata, which the buffered path never loads.
        await using var h = await EmulatorHarness.StartAsync();
        using var http = new HttpClient();
        using var client = new ReplicateClient(http, new ReplicateClientOptions { ApiToken = h.Emulator.ApiToken, BaseAddress = h.Emulator.BaseAddress });

        var created = await client.Predictions.CreateAsync("replicate/hello-world", new { text = "plain" }, new PredictionOptions { Wait = TimeSpan.FromSeconds(30) });
        var read = await client.Predictions.GetAsync(created.Id);
        var page = await client.Predictions.ListAsync();

        Assert.Equal(PredictionStatus.Succeeded, created.Status);
        Assert.Equal(created.Id, read.Id);
        Assert.Equal("replicate/hello-world", read.Model);
        Assert.Equal(created.Output?.GetRawText(), read.Output?.GetRawText());
        Assert.Contains(page.Results, p => p.Id == created.Id);
    }

    [Fact]
    public async Task MissingToken_FailsOnTheFirstRequest_BeforeSendingAnything()
    {
        using var server = Start();
        server.Given(Api("predictions/p1")).RespondWith(Json(200, Prediction()));
        using var client = new ReplicateClient(new HttpClient(), new ReplicateClientOptions { BaseAddress = server.ApiBase() });
        var saved = Environment.GetEnvironmentVariable("REPLICATE_API_TOKEN");

        // The client read the environment at construction; this test only holds when it was unset there.
        if (saved is null)
        {
            var ex = await Assert.ThrowsAsync<ReplicateException>(() => client.Predictions.GetAsync("p1"));
            Assert.Contains("REPLICATE_API_TOKEN", ex.Message, StringComparison.Ordinal);
            Assert.Contains("ReplicateClientOptions.ApiToken", ex.Message, StringComparison.Ordinal);
            Assert.Empty(server.LogEntries);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("r8_abc def")]
    public void BadToken_IsRejectedAtConstruction_WithoutEchoingIt(string token)
    {
        var ex = Assert.Throws<ArgumentException>(() => new ReplicateClient(token));
        Assert.Equal("apiToken", ex.ParamName);
        if (token.Trim().Length > 0)
        {
            Assert.DoesNotContain(token, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ToStrings_NeverShowTheToken()
    {
        var options = new ReplicateClientOptions { ApiToken = Token };
        using var client = new ReplicateClient(options);
        Assert.DoesNotContain(Token, options.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Token, client.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenIsNotSentToAForeignHost_FromAFileOutputUrl()
    {
        // 127.0.0.2 is another loopback host: a model output URL that is not the API and not Replicate's.
        using var foreign = Start(host: "127.0.0.2");
        foreign.Given(Api("out.bin")).RespondWith(Json(200, "file-bytes", "application/octet-stream"));
        var fileUrl = new Uri(foreign.ApiBase(), "out.bin").ToString();
        using var api = Start();
        api.Given(Api("predictions/p1")).RespondWith(Json(200, Prediction(output: $"\"{fileUrl}\"")));
        var clock = new TestClock();
        using var client = Client(api.ApiBase(), clock);

        var prediction = await clock.RunAsync(client.Predictions.GetAsync("p1"));
        var output = new PredictionOutput(prediction, GetTransport(client));
        var bytes = await clock.RunAsync(output.AsFile().ReadAllBytesAsync());

        Assert.Equal("file-bytes"u8.ToArray(), bytes);
        Assert.Null(Assert.Single(foreign.Requests()).Header("Authorization"));
        Assert.NotNull(Assert.Single(api.Requests()).Header("Authorization"));
    }

    [Fact]
    public async Task RedirectToAnotherHost_DropsTheToken()
    {
        using var foreign = Start(host: "127.0.0.2");
        foreign.Given(Api("predictions/p1")).RespondWith(Json(200, Prediction()));
        using var api = Start();
        api.Given(Api("predictions/p1")).RespondWith(
            WireMock.ResponseBuilders.Response.Create().WithStatusCode(302).WithHeader("Location", new Uri(foreign.ApiBase(), "predictions/p1").ToString()));
        var clock = new TestClock();
        using var client = Client(api.ApiBase(), clock);

        await clock.RunAsync(client.Predictions.GetAsync("p1"));

        Assert.NotNull(Assert.Single(api.Requests()).Header("Authorization"));
        Assert.Null(Assert.Single(foreign.Requests()).Header("Authorization"));
    }

    [Theory]
    [InlineData("https://api.replicate.com/v1/x", true)]
    [InlineData("https://stream.replicate.com/v1/files/abc", true)]
    [InlineData("https://streaming.api.replicate.com/v1/predictions/abc", true)]
    [InlineData("https://replicate.delivery/xezq/out.png", false)]
    [InlineData("https://pbxt.replicate.delivery/out.png", false)]
    [InlineData("https://stream.replicate.com:8443/v1/files/abc", false)]
    [InlineData("http://stream.replicate.com/v1/files/abc", false)]
    [InlineData("http://replicate.delivery/out.png", false)]
    [InlineData("https://replicate.delivery.evil.com/out.png", false)]
    [InlineData("https://evilreplicate.com/x", false)]
    [InlineData("https://example.com/replicate.com", false)]
    public void ReplicateOwnedHosts(string url, bool owned) => Assert.Equal(owned, ReplicateTransport.IsReplicateOwnedHost(new Uri(url)));

    [Theory]
    [InlineData("https://api.replicate.com", "https://api.replicate.com/v1/")]
    [InlineData("https://api.replicate.com/", "https://api.replicate.com/v1/")]
    [InlineData("https://api.replicate.com/v1", "https://api.replicate.com/v1/")]
    [InlineData("http://127.0.0.1:5000/v1/", "http://127.0.0.1:5000/v1/")]
    [InlineData("https://proxy.example.com/replicate/v1", "https://proxy.example.com/replicate/v1/")]
    public void BaseAddress_IsNormalized(string given, string expected)
    {
        using var client = new ReplicateClient(new ReplicateClientOptions { ApiToken = Token, BaseAddress = new Uri(given) });
        Assert.Equal(expected, client.BaseAddress.ToString());
    }

    [Fact]
    public void OptionsAreCopied_AtConstruction()
    {
        var options = new ReplicateClientOptions { ApiToken = Token, BaseAddress = new Uri("https://a.example.com/v1/") };
        using var client = new ReplicateClient(options);
        options.BaseAddress = new Uri("https://b.example.com/v1/");
        Assert.Equal("a.example.com", client.BaseAddress.Host);
    }

    [Fact]
    public void CallerOwnedHttpClient_IsNotDisposed()
    {
        using var http = new HttpClient();
        var client = new ReplicateClient(http, new ReplicateClientOptions { ApiToken = Token });
        client.Dispose();
        Assert.Equal(Timeout.InfiniteTimeSpan, new HttpClient { Timeout = Timeout.InfiniteTimeSpan }.Timeout);
        _ = http.Timeout; // still usable
        http.CancelPendingRequests();
    }

    internal static ReplicateTransport GetTransport(ReplicateClient client) =>
        (ReplicateTransport)typeof(ReplicateClient).GetField("_transport", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(client)!;
}
