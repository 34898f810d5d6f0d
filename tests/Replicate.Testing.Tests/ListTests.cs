using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Replicate.Testing.Tests;

public sealed class ListTests
{
    [Fact]
    public async Task Lists_250_predictions_newest_first_in_pages_of_100_with_absolute_cursor_urls()
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { PageSize = 100 });
        using var client = TestHttp.Client(emulator);
        var created = await CreateManyAsync(client, 250);

        var pages = new List<JsonElement>();
        var url = "predictions";
        while (url is not null)
        {
            var page = await TestHttp.GetJsonAsync(client, url);
            pages.Add(page);
            url = page.GetProperty("next").GetString();
            if (url is not null)
            {
                var next = new Uri(url);
                Assert.True(next.IsAbsoluteUri);
                Assert.StartsWith(emulator.BaseAddress + "predictions?", url, StringComparison.Ordinal);
                Assert.Contains("cursor=", next.Query, StringComparison.Ordinal);
            }

            Assert.True(pages.Count <= 3, "too many pages");
        }

        Assert.Equal([100, 100, 50], pages.Select(p => p.GetProperty("results").GetArrayLength()));
        var ids = pages.SelectMany(p => p.GetProperty("results").EnumerateArray().Select(r => r.Id())).ToList();
        Assert.Equal(Enumerable.Reverse(created), ids);
        Assert.Equal(JsonValueKind.Null, pages[0].GetProperty("previous").ValueKind);
        Assert.Equal(JsonValueKind.Null, pages[2].GetProperty("next").ValueKind);

        // previous of the last page leads back to the second page.
        var back = await TestHttp.GetJsonAsync(client, pages[2].Str("previous"));
        Assert.Equal(
            pages[1].GetProperty("results").EnumerateArray().Select(r => r.Id()),
            back.GetProperty("results").EnumerateArray().Select(r => r.Id()));
        var first = await TestHttp.GetJsonAsync(client, back.Str("previous"));
        Assert.Equal(JsonValueKind.Null, first.GetProperty("previous").ValueKind);
        Assert.Equal(ids.Take(100), first.GetProperty("results").EnumerateArray().Select(r => r.Id()));
    }

    [Fact]
    public async Task Cursors_are_stable_when_new_predictions_arrive()
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { PageSize = 10 });
        using var client = TestHttp.Client(emulator);
        var created = await CreateManyAsync(client, 25);

        var page1 = await TestHttp.GetJsonAsync(client, "predictions");
        await CreateManyAsync(client, 5); // newer ones must not shift the next page
        var page2 = await TestHttp.GetJsonAsync(client, page1.Str("next"));

        Assert.Equal(
            Enumerable.Reverse(created).Skip(10).Take(10),
            page2.GetProperty("results").EnumerateArray().Select(r => r.Id()));
    }

    [Fact]
    public async Task Created_after_is_inclusive_created_before_exclusive_and_filters_survive_paging()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero));
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { TimeProvider = clock, PageSize = 3 });
        using var client = TestHttp.Client(emulator);
        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            ids.AddRange(await CreateManyAsync(client, 1)); // created at minute i
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        var after = Uri.EscapeDataString("2025-03-01T00:02:00Z");
        var before = Uri.EscapeDataString("2025-03-01T00:08:00.000000Z");
        var url = $"predictions?created_after={after}&created_before={before}";
        var seen = new List<string>();
        for (var pages = 0; url is not null && pages < 5; pages++)
        {
            var page = await TestHttp.GetJsonAsync(client, url);
            seen.AddRange(page.GetProperty("results").EnumerateArray().Select(r => r.Id()));
            url = page.GetProperty("next").GetString();
            if (url is not null)
            {
                Assert.Contains("created_after=", url, StringComparison.Ordinal);
            }
        }

        // minutes 2..7 inclusive: created_after is inclusive, created_before exclusive.
        Assert.Equal(Enumerable.Reverse(ids.Skip(2).Take(6)), seen);
    }

    [Fact]
    public async Task Source_web_lists_nothing_because_emulator_predictions_come_from_the_api()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        await CreateManyAsync(client, 3);

        var web = await TestHttp.GetJsonAsync(client, "predictions?source=web");
        var all = await TestHttp.GetJsonAsync(client, "predictions");

        Assert.Equal(0, web.GetProperty("results").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, web.GetProperty("next").ValueKind);
        Assert.Equal(3, all.GetProperty("results").GetArrayLength());
    }

    [Theory]
    [InlineData("predictions?cursor=garbage!")]
    [InlineData("predictions?cursor=eD0x")]
    [InlineData("predictions?cursor=bz05OTk5OTk5OTk5OQ")]
    [InlineData("predictions?created_after=yesterday")]
    [InlineData("predictions?source=api")]
    public async Task Bad_list_parameters_are_400(string url)
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        using var response = await client.GetAsync(new Uri(url, UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Empty_list_has_no_links()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        var page = await TestHttp.GetJsonAsync(client, "predictions");

        Assert.Equal("""{"next":null,"previous":null,"results":[]}""", page.GetRawText());
    }

    private static async Task<List<string>> CreateManyAsync(HttpClient client, int count)
    {
        var ids = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var (response, prediction) = await TestHttp.PostAsync(
                client, "models/replicate/hello-world/predictions", "{\"input\":{\"text\":\"" + i.ToString(CultureInfo.InvariantCulture) + "\"}}");
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            ids.Add(prediction.Id());
        }

        return ids;
    }
}
