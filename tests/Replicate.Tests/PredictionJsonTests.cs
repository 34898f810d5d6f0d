using System.Text;
using System.Text.Json;

namespace Replicate.Tests;

public class PredictionJsonTests
{
    private static Prediction Read(string json) => JsonSerializer.Deserialize(json, ReplicateJsonContext.Default.Prediction)!;

    [Fact]
    public void ReadsEveryFieldOfTheSpec()
    {
        var prediction = Read("""
            {"id":"gm3qorzdhgbfurvjtvhg6dckhu","model":"replicate/hello-world","version":"hidden",
             "input":{"text":"Alice"},"output":["a","b"],"logs":"step\n","error":null,"status":"succeeded",
             "created_at":"2023-09-08T16:32:56.990893084Z","started_at":"2024-10-04T18:07:35.262Z","completed_at":"2024-10-04T18:07:36Z",
             "deadline":"2024-10-04T19:07:35.765994Z","data_removed":false,"deployment":"acme/dep","source":"api",
             "metrics":{"predict_time":1.5,"total_time":2.25,"input_token_count":12,"tokens_per_second":33.3,"brand_new_metric":{"x":1}},
             "urls":{"get":"https://api.replicate.com/v1/predictions/gm3","cancel":"https://api.replicate.com/v1/predictions/gm3/cancel","web":"https://replicate.com/p/gm3","stream":"https://stream.replicate.com/v1/files/abc"},
             "webhook":"https://example.com/hook","webhook_events_filter":["start","completed"],"a_field_from_the_future":[1,2,3]}
            """);

        Assert.Equal("gm3qorzdhgbfurvjtvhg6dckhu", prediction.Id);
        Assert.Equal("hidden", prediction.Version);
        Assert.Equal(PredictionStatus.Succeeded, prediction.Status);
        Assert.Equal("Alice", prediction.Input!.Value.GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Array, prediction.Output!.Value.ValueKind);
        Assert.Equal(new DateTimeOffset(2023, 9, 8, 16, 32, 56, TimeSpan.Zero).AddTicks(9908930), prediction.CreatedAt);
        Assert.Equal(new DateTimeOffset(2024, 10, 4, 18, 7, 36, TimeSpan.Zero), prediction.CompletedAt);
        Assert.NotNull(prediction.Deadline);
        Assert.Equal("acme/dep", prediction.Deployment);
        Assert.Equal(TimeSpan.FromSeconds(1.5), prediction.Metrics!.PredictTime);
        Assert.Equal(TimeSpan.FromSeconds(2.25), prediction.Metrics.TotalTime);
        Assert.Equal(12, prediction.Metrics.InputTokenCount);
        Assert.True(prediction.Metrics.AdditionalProperties!.ContainsKey("brand_new_metric"));
        Assert.Equal("https://stream.replicate.com/v1/files/abc", prediction.Urls!.Stream!.ToString());
        Assert.Equal([WebhookEventType.Start, WebhookEventType.Completed], prediction.WebhookEventsFilter);
    }

    [Theory]
    [InlineData("2024-10-04T18:07:35Z")]
    [InlineData("2024-10-04T18:07:35.2Z")]
    [InlineData("2024-10-04T18:07:35.262Z")]
    [InlineData("2024-10-04T18:07:35.765994Z")]
    [InlineData("2024-10-04T18:07:35.990893084Z")]
    [InlineData("2024-10-04T18:07:35.123+00:00")]
    public void ReadsTimestampsWithZeroToNineFractionalDigits(string timestamp)
    {
        var prediction = Read($$"""{"id":"x","status":"starting","created_at":"{{timestamp}}"}""");
        Assert.Equal(new DateTimeOffset(2024, 10, 4, 18, 7, 35, TimeSpan.Zero), prediction.CreatedAt!.Value.AddTicks(-(prediction.CreatedAt.Value.Ticks % TimeSpan.TicksPerSecond)));
    }

    [Fact]
    public void UnknownStatus_RoundTripsAndIsTerminal()
    {
        var prediction = Read("""{"id":"x","status":"hibernating"}""");
        Assert.Equal("hibernating", prediction.Status.Value);
        Assert.True(prediction.Status.IsTerminal);
        Assert.Contains("\"status\":\"hibernating\"", JsonSerializer.Serialize(prediction, ReplicateJsonContext.Default.Prediction), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("starting", false)]
    [InlineData("processing", false)]
    [InlineData("succeeded", true)]
    [InlineData("failed", true)]
    [InlineData("canceled", true)]
    [InlineData("aborted", true)]
    public void IsTerminal(string status, bool terminal) => Assert.Equal(terminal, new PredictionStatus(status).IsTerminal);

    [Fact]
    public void NonStringError_IsKeptAsJsonText()
    {
        var prediction = Read("""{"id":"x","status":"failed","error":{"code":"E1001","message":"OOM"}}""");
        Assert.Equal("""{"code":"E1001","message":"OOM"}""", prediction.Error);
    }

    [Fact]
    public void MissingOptionalFields_AreNull()
    {
        var prediction = Read("""{"id":"x","status":"starting"}""");
        Assert.Null(prediction.Output);
        Assert.Null(prediction.Urls);
        Assert.Null(prediction.Progress);
    }

    [Theory]
    [InlineData("""{"id":"x","status":3}""")]
    [InlineData("""{"id":"x","created_at":"yesterday"}""")]
    [InlineData("""{"status":"starting"}""")]
    public void WrongTypesOrMissingId_ThrowJsonException(string json) => Assert.ThrowsAny<JsonException>(() => Read(json));

    [Fact]
    public void Progress_IsParsedFromTheLastTqdmLine()
    {
        var prediction = Read("""{"id":"x","status":"processing","logs":"Loading\n 10%|█         | 1/10 [00:00<00:01]\n 45%|████▌     | 9/20 [00:01<00:02,  4.5it/s]\nstill going"}""");
        Assert.Equal(new PredictionProgress(0.45, 9, 20), prediction.Progress);
    }

    private const string Full = """
        {"id":"gm3","model":"replicate/hello-world","version":"hidden","input":{"text":"Alice","n":[1,2,{"deep":null}]},
         "output":["a","b"],"logs":"","error":null,"status":"succeeded","created_at":"2024-10-04T18:07:35.262Z",
         "metrics":{"predict_time":1.5,"x":{"y":1}},"data_removed":false,
         "urls":{"get":"https://api.replicate.com/v1/predictions/gm3","cancel":"https://api.replicate.com/v1/predictions/gm3/cancel","web":"https://replicate.com/p/gm3","stream":"https://stream.replicate.com/v1/files/abc","future":{"z":1}},
         "webhook_events_filter":["completed"]}
        """;

    private static T? ReadBuffered<T>(string json)
    {
        Assert.True(PredictionConverter.TryRead(Encoding.UTF8.GetBytes(json), out T? value));
        return value;
    }

    [Theory]
    [InlineData(Full)]
    [InlineData("""{"id":"x","status":"starting"}""")]
    [InlineData("""{"id":"x","status":"processing","input":{},"output":null,"urls":null}""")]
    [InlineData("""{"id":"x","status":"succeeded","output":"ok","input":{"s":"\u00e9\n"},"urls":{"get":"https://api.replicate.com/v1/predictions/x"}}""")]
    [InlineData("""{"id":"x","status":"succeeded","output":12.5,"input":{"a":true}}""")]
    [InlineData("""{"id":"x","status":"succeeded","metrics":{"predict_time":0.5,"total_time":null,"output_token_count":17,"new_one":3}}""")]
    public void BufferedRead_DefersFieldsButReadsTheSameAsTheSerializer(string json)
    {
        var eager = Read(json);
        var deferred = ReadBuffered<Prediction>(json)!;

        Assert.Equal(
            JsonSerializer.Serialize(eager, ReplicateJsonContext.Default.Prediction),
            JsonSerializer.Serialize(deferred, ReplicateJsonContext.Default.Prediction));
        Assert.Equal(eager.Urls?.Get, deferred.Urls?.Get);
        Assert.Equal(eager.Urls?.Stream, deferred.Urls?.Stream);
        Assert.Equal(eager.Output?.GetRawText(), deferred.Output?.GetRawText());
        Assert.Equal(eager.Metrics?.PredictTime, deferred.Metrics?.PredictTime);
        Assert.Equal(eager.Metrics?.OutputTokenCount, deferred.Metrics?.OutputTokenCount);
        Assert.Equal(eager.Metrics?.AdditionalProperties?.Keys, deferred.Metrics?.AdditionalProperties?.Keys);
    }

    [Fact]
    public void BufferedPage_ReadsEveryItemAndTheCursors()
    {
        var page = ReadBuffered<Page<Prediction>>($$"""{"previous":null,"unknown":[{}],"next":"https://api.replicate.com/v1/predictions?cursor=abc","results":[{{Full}},{"id":"y","status":"failed","error":"boom"}]}""")!;

        Assert.Equal("https://api.replicate.com/v1/predictions?cursor=abc", page.Next);
        Assert.Null(page.Previous);
        Assert.Equal(["gm3", "y"], page.Results.Select(p => p.Id));
        Assert.Equal("Alice", page.Results[0].Input!.Value.GetProperty("text").GetString());
        Assert.Equal("boom", page.Results[1].Error);
        Assert.Empty(ReadBuffered<Page<Prediction>>("""{"results":null}""")!.Results);
        Assert.Null(ReadBuffered<Page<Prediction>>("null"));
        Assert.Null(ReadBuffered<Prediction>(" null "));
    }

    [Fact]
    public void BufferedPage_ItemsKeepTheirOwnModelAndVersion_WhenNeighboursShareThem()
    {
        var page = ReadBuffered<Page<Prediction>>("""
            {"results":[{"id":"1","model":"a/m","version":"v1"},{"id":"2","model":"a/m","version":"v1"},{"id":"3","model":"b/m","version":null},
            {"id":"4","model":"a/m"},{"id":"5","model":"a\/m","version":"v1"},{"id":"6","model":"a/m","version":"v2"}]}
            """)!;

        Assert.Equal(["a/m", "a/m", "b/m", "a/m", "a/m", "a/m"], page.Results.Select(p => p.Model));
        Assert.Equal(["v1", "v1", null, null, "v1", "v2"], page.Results.Select(p => p.Version));
        Assert.Same(page.Results[0].Model, page.Results[1].Model);
    }

    [Theory]
    [InlineData("""{"id":"x","urls":{"get":5}}""")]
    [InlineData("""{"id":"x","urls":"https://example.com"}""")]
    [InlineData("""{"id":"x","input":{"a":}}""")]
    [InlineData("""{"id":"x","output":[1,2}""")]
    [InlineData("""{"id":"x"} {"id":"y"}""")]
    [InlineData("""{"id":"x","status":3}""")]
    [InlineData("""{"status":"starting"}""")]
    [InlineData("""{"id":"x","metrics":{"predict_time":"fast"}}""")]
    [InlineData("""{"id":"x","metrics":{"total_time":1e999}}""")]
    [InlineData("""{"id":"x","metrics":[]}""")]
    [InlineData("""[]""")]
    public void BufferedRead_MalformedPredictions_ThrowJsonExceptionAtOnce(string json) =>
        Assert.ThrowsAny<JsonException>(() => ReadBuffered<Prediction>(json));

    [Theory]
    [InlineData("""{"results":{}}""")]
    [InlineData("""{"results":[{"id":"x"},{"id":"y","urls":{"cancel":[]}}]}""")]
    [InlineData("""{"next":5,"results":[]}""")]
    [InlineData("""{"results":[]""")]
    [InlineData("""[{"id":"x"}]""")]
    public void BufferedRead_MalformedPages_ThrowJsonException(string json) =>
        Assert.ThrowsAny<JsonException>(() => ReadBuffered<Page<Prediction>>(json));

    [Fact]
    public void BufferedRead_OtherTypes_AreLeftToTheSerializer() =>
        Assert.False(PredictionConverter.TryRead<Training>("{}"u8, out _));

    [Fact]
    public async Task DeferredFields_MaterializeOnce_WhenManyThreadsReadThemFirst()
    {
        for (var round = 0; round < 50; round++)
        {
            var prediction = ReadBuffered<Prediction>(Full)!;
            using var start = new Barrier(4);
            var seen = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
            {
                start.SignalAndWait();
                return (prediction.Urls, prediction.Output!.Value.GetRawText(), prediction.Input!.Value.GetProperty("text").GetString());
            })));

            Assert.All(seen, s => Assert.Same(seen[0].Urls, s.Urls));
            Assert.All(seen, s => Assert.Equal("""["a","b"]""", s.Item2));
            Assert.All(seen, s => Assert.Equal("Alice", s.Item3));
        }
    }

    [Fact]
    public void FastTimestamps_AgreeWithTheGeneralParser()
    {
        // Random timestamps in and around the API's shape; whatever the fast path accepts must be exactly what
        // Utf8JsonReader.TryGetDateTimeOffset reads, and the API's own shape must take the fast path.
        var random = new Random(3339);
        var fastHits = 0;
        for (var round = 0; round < 50_000; round++)
        {
            var text = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{random.Next(0, 10_000):D4}-{random.Next(0, 14):D2}-{random.Next(0, 33):D2}T{random.Next(0, 26):D2}:{random.Next(0, 62):D2}:{random.Next(0, 62):D2}");
            text += random.Next(4) switch
            {
                0 => string.Empty,
                _ => "." + string.Concat(Enumerable.Range(0, random.Next(0, 12)).Select(_ => (char)('0' + random.Next(10)))),
            };
            text += random.Next(10) switch { 0 => "+00:00", 1 => "z", 2 => string.Empty, _ => "Z" };
            if (random.Next(20) == 0)
            {
                var chars = text.ToCharArray();
                chars[random.Next(chars.Length)] = "x-:T.9"[random.Next(6)];
                text = new string(chars);
            }

            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes("\"" + text + "\""));
            reader.Read();
            var general = reader.TryGetDateTimeOffset(out var expected);
            if (Rfc3339.TryParseUtc(Encoding.UTF8.GetBytes(text), out var fast))
            {
                fastHits++;
                Assert.True(general, text);
                Assert.Equal(expected, fast);
                Assert.Equal(expected.Offset, fast.Offset);
            }
            else
            {
                // Anything general accepts in the API's exact shape must not miss the fast path.
                Assert.False(general && System.Text.RegularExpressions.Regex.IsMatch(text, @"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$"), text);
            }
        }

        Assert.True(fastHits > 5_000, $"only {fastHits} took the fast path");
    }
}

