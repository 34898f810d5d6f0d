using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Replicate.Testing;
using static Microsoft.Playwright.Assertions;

namespace Replicate.Samples.Tests;

public class StreamingChatTests
{
    private const string Llama = "meta/meta-llama-3-8b-instruct";
    private const string Failing = "replicate/failing-model";

    [ChromiumFact]
    public async Task ThePage_ShowsTokensAsTheyArrive_ThenTheWholeAnswer()
    {
        // 30 ms between tokens: a reply of ~60 tokens takes about two seconds, slow enough to watch it grow.
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { DemoTokenDelay = TimeSpan.FromMilliseconds(30) });
        await using var app = await SampleApp.StartAsync(emulator);
        await using var chromium = await Chromium.LaunchAsync();
        var page = await chromium.Context.NewPageAsync();
        await page.GotoAsync(app.Address.ToString());
        await Expect(page.Locator("#model option")).ToHaveCountAsync(2);

        // Record the output's length at every change, inside the page, so the samples do not depend on how fast
        // this test process gets scheduled.
        await page.EvaluateAsync("""
            () => {
              window.samples = [];
              const output = document.getElementById('output');
              new MutationObserver(() => window.samples.push({ t: performance.now(), length: output.textContent.length, status: document.getElementById('status').textContent }))
                .observe(output, { childList: true, characterData: true, subtree: true });
            }
            """);
        await page.SelectOptionAsync("#model", Llama);
        await page.FillAsync("#prompt", "hello browser");
        await page.ClickAsync("#send");
        await Expect(page.Locator("#status")).ToHaveTextAsync("done", new() { Timeout = 30_000 });

        using var replicate = new ReplicateClient(new ReplicateClientOptions { ApiToken = emulator.ApiToken, BaseAddress = emulator.BaseAddress });
        var expected = (await replicate.RunAsync(Llama, new { prompt = "hello browser", max_tokens = 512 })).ToString();
        Assert.StartsWith("You said: hello browser.", expected, StringComparison.Ordinal);
        Assert.Equal(expected, await page.TextContentAsync("#output"));
        await Expect(page.Locator("#error")).ToBeHiddenAsync();

        var samples = (await page.EvaluateAsync<Sample[]>("() => window.samples")).Where(s => s.Length > 0).ToList();
        var partial = samples.Where(s => s.Length < expected.Length).ToList();
        Assert.True(partial.Count >= 5, $"Expected the answer to appear piece by piece; saw {partial.Count} partial states: {string.Join(", ", samples.Select(s => s.Length))}");
        Assert.All(partial, s => Assert.StartsWith("streaming", s.Status, StringComparison.Ordinal));
        Assert.Equal(samples.Select(s => s.Length).Order(), samples.Select(s => s.Length)); // it only ever grows
        var spread = samples[^1].T - samples[0].T;
        Assert.True(spread > 500, $"The first token and the last were shown {spread:0} ms apart; a streamed answer takes over a second here.");
    }

    [ChromiumFact]
    public async Task ThePage_ShowsTheErrorOfAFailingModel()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        await using var app = await SampleApp.StartAsync(emulator);
        await using var chromium = await Chromium.LaunchAsync();
        var page = await chromium.Context.NewPageAsync();
        await page.GotoAsync(app.Address.ToString());
        await Expect(page.Locator("#model option")).ToHaveCountAsync(2);

        await page.SelectOptionAsync("#model", Failing);
        await page.FillAsync("#prompt", "please fail");
        await page.ClickAsync("#send");

        await Expect(page.Locator("#error")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(page.Locator("#error")).ToHaveTextAsync("E1000: simulated model failure");
        await Expect(page.Locator("#status")).ToHaveTextAsync("failed");
        await Expect(page.Locator("#output")).ToBeEmptyAsync();
    }

    [Fact]
    public async Task TheEndpoint_RefusesModelsNotOnTheList()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        await using var app = await SampleApp.StartAsync(emulator);
        using var http = new HttpClient { BaseAddress = app.Address, Timeout = TimeSpan.FromSeconds(30) };

        using var response = await http.PostAsJsonAsync("api/chat", new { model = "someone/expensive-model", prompt = "hi" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Unknown model", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, emulator.PredictionsCreated);
    }

    [Fact]
    public async Task ABrowserThatGoesAway_CancelsThePrediction()
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { DemoTokenDelay = TimeSpan.FromMilliseconds(200) });
        await using var app = await SampleApp.StartAsync(emulator);
        using var http = new HttpClient { BaseAddress = app.Address, Timeout = TimeSpan.FromSeconds(30) };

        using (var request = new HttpRequestMessage(HttpMethod.Post, "api/chat") { Content = JsonContent.Create(new { model = Llama, prompt = "hi" }) })
        using (var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            Assert.Equal("event: token", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        }

        // Disposing the response closed the connection; the app's request token fires and the SDK cancels the prediction.
        for (var i = 0; i < 500 && !emulator.Requests.Any(IsCancel); i++)
        {
            await Task.Delay(10);
        }

        Assert.Single(emulator.Requests, IsCancel);

        static bool IsCancel(RecordedRequest r) => r.Method == "POST" && r.Path.EndsWith("/cancel", StringComparison.Ordinal);
    }

    private sealed class Sample
    {
        public double T { get; set; }

        public int Length { get; set; }

        public string Status { get; set; } = string.Empty;
    }
}
