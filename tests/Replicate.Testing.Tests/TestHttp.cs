using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Replicate.Testing.Tests;

/// <summary>Raw HttpClient helpers: the tests speak HTTP to the emulator directly, like any client would.</summary>
internal static class TestHttp
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    public static HttpClient Client(ReplicateEmulator emulator, string? token = null, TimeSpan? timeout = null)
    {
        var client = new HttpClient { BaseAddress = emulator.BaseAddress, Timeout = timeout ?? DefaultTimeout };
        var value = token ?? emulator.ApiToken;
        if (value is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", value);
        }

        return client;
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    public static async Task<(HttpResponseMessage Response, JsonElement Body)> PostAsync(
        HttpClient client, string path, string json, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(json) };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var response = await client.SendAsync(request);
        var body = await JsonAsync(response);
        return (response, body);
    }

    public static async Task<JsonElement> GetJsonAsync(HttpClient client, string pathOrUrl)
    {
        using var response = await client.GetAsync(new Uri(pathOrUrl, UriKind.RelativeOrAbsolute));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return await JsonAsync(response);
    }

    /// <summary>Polls GET /predictions/{id} until <paramref name="done"/> holds, for at most <paramref name="timeout"/>.</summary>
    public static async Task<JsonElement> WaitForAsync(HttpClient client, string id, Func<JsonElement, bool> done, TimeSpan? timeout = null)
    {
        var limit = Stopwatch.StartNew();
        while (true)
        {
            var prediction = await GetJsonAsync(client, "predictions/" + id);
            if (done(prediction))
            {
                return prediction;
            }

            if (limit.Elapsed > (timeout ?? DefaultTimeout))
            {
                throw new TimeoutException("Prediction " + id + " never reached the expected state: " + prediction);
            }

            await Task.Delay(10);
        }
    }

    public static Task<JsonElement> WaitForStatusAsync(HttpClient client, string id, string status, TimeSpan? timeout = null) =>
        WaitForAsync(client, id, p => p.GetProperty("status").GetString() == status, timeout);

    public static Task<JsonElement> WaitForTerminalAsync(HttpClient client, string id, TimeSpan? timeout = null) =>
        WaitForAsync(client, id, p => p.GetProperty("status").GetString() is "succeeded" or "failed" or "canceled" or "aborted", timeout);

    /// <summary>Waits for a condition on in-process state, bounded in time.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = Stopwatch.StartNew();
        while (!condition())
        {
            if (limit.Elapsed > (timeout ?? DefaultTimeout))
            {
                throw new TimeoutException("Timed out waiting until " + what);
            }

            await Task.Delay(10);
        }
    }

    public static string Status(this JsonElement prediction) => prediction.GetProperty("status").GetString()!;

    public static string Id(this JsonElement prediction) => prediction.GetProperty("id").GetString()!;

    public static string Str(this JsonElement element, string name) => element.GetProperty(name).GetString()!;
}
