using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Replicate.Benchmarks.Harness;

/// <summary>
/// The baseline: Replicate's HTTP exchange done by hand with a bare <see cref="HttpClient"/> and <see cref="JsonDocument"/>,
/// the least a careful caller would write. Bearer token, JSON body, <c>Prefer: wait</c>, status checks, no retries.
/// </summary>
public sealed class RawReplicate
{
    private static readonly MediaTypeWithQualityHeaderValue Json = new("application/json");
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");
    private static readonly JsonSerializerOptions InputOptions = new(JsonSerializerDefaults.General);
    private readonly AuthenticationHeaderValue _authorization;

    public RawReplicate(HttpClient http, Uri baseAddress, string? apiToken)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        Http = http;
        BaseAddress = baseAddress;
        _authorization = new AuthenticationHeaderValue("Bearer", apiToken ?? "r8_benchmark");
    }

    public HttpClient Http { get; }

    public Uri BaseAddress { get; }

    /// <summary>The terminal statuses; anything else (starting, processing) means poll again.</summary>
    public static bool IsTerminal(string? status) => status is "succeeded" or "failed" or "canceled" or "aborted";

    /// <summary><c>POST /v1/models/{owner}/{name}/predictions</c>; returns the parsed prediction (dispose it).</summary>
    public async Task<JsonDocument> CreateAsync<TInput>(string model, TInput input, int waitSeconds, bool stream, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseAddress, "models/" + model + "/predictions"));
        request.Headers.Authorization = _authorization;
        request.Headers.Accept.Add(Json);
        if (waitSeconds > 0)
        {
            request.Headers.TryAddWithoutValidation("Prefer", "wait=" + waitSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var body = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(body))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("input");
            JsonSerializer.Serialize(writer, input, InputOptions);
            if (stream)
            {
                writer.WriteBoolean("stream", true);
            }

            writer.WriteEndObject();
        }

        request.Content = new ReadOnlyMemoryContent(body.WrittenMemory);
        request.Content.Headers.ContentType = JsonContentType;
        return await SendJsonAsync(request, cancellationToken);
    }

    /// <summary><c>GET</c> an API URL (a prediction, a page) and parse it.</summary>
    public async Task<JsonDocument> GetJsonAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Authorization = _authorization;
        request.Headers.Accept.Add(Json);
        return await SendJsonAsync(request, cancellationToken);
    }

    /// <summary>Polls <c>urls.get</c> every <paramref name="interval"/> until the prediction is terminal.</summary>
    public async Task<JsonDocument> WaitAsync(JsonDocument prediction, TimeSpan interval, int maxPolls, CancellationToken cancellationToken)
    {
        var current = prediction;
        var get = new Uri(current.RootElement.GetProperty("urls").GetProperty("get").GetString()!);
        for (var polls = 0; !IsTerminal(current.RootElement.GetProperty("status").GetString()); polls++)
        {
            if (polls >= maxPolls)
            {
                throw new InvalidOperationException($"Prediction still not finished after {maxPolls} polls.");
            }

            await Task.Delay(interval, cancellationToken);
            var next = await GetJsonAsync(get, cancellationToken);
            current.Dispose();
            current = next;
        }

        return current;
    }

    private async Task<JsonDocument> SendJsonAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        return await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
    }
}
