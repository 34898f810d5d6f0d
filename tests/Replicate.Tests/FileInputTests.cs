using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Replicate.Testing;
using Replicate.Tests.Infrastructure;

namespace Replicate.Tests;

public class FileInputTests
{
    private static readonly byte[] Png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];

    [Fact]
    public async Task FilesAnywhereInTheInput_AreUploadedByDefault_AndSentAsTheirUrls()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var reads = new List<string>();
        h.Emulator.AddModel("acme/files", (input, ctx) =>
        {
            foreach (var url in FindStrings(input).Where(s => s.StartsWith(h.Emulator.BaseAddress.ToString(), StringComparison.Ordinal)))
            {
                using var stream = ctx.OpenInputFile(url);
                reads.Add(new StreamReader(stream).ReadToEnd());
            }

            return Task.FromResult<object?>("ok");
        });
        var path = Path.Combine(Path.GetTempPath(), $"replicate-test-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(path, "from disk");
        try
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes("from a stream"));
            await h.Client.RunAsync("acme/files", new
            {
                prompt = "describe",
                image = Encoding.UTF8.GetBytes("from bytes"),
                nested = new Dictionary<string, object?>
                {
                    ["doc"] = new FileInfo(path),
                    ["list"] = new object[] { stream, (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes("from memory"), 42 },
                },
            });
        }
        finally
        {
            File.Delete(path);
        }

        var uploads = h.Requests("POST", "/v1/files");
        var body = JsonDocument.Parse(h.Requests("POST", "/v1/models/acme/files/predictions")[0].Body).RootElement.GetProperty("input");
        var files = await h.Client.Files.EnumerateAsync().ToListAsync();
        Assert.Equal(4, uploads.Count);
        Assert.Equal("describe", body.GetProperty("prompt").GetString());
        Assert.Equal(42, body.GetProperty("nested").GetProperty("list")[2].GetInt32());
        Assert.Equal(files.Select(f => f.Urls!.Get!.AbsoluteUri).Order(), FindStrings(body).Where(s => s.Contains("/v1/files/", StringComparison.Ordinal)).Order());
        Assert.Equal(["from a stream", "from bytes", "from disk", "from memory"], reads.Order());
        Assert.Contains(files, f => f.Name == Path.GetFileName(path) && f.ContentType == "text/plain");
    }

    [Fact]
    public async Task DataUriStrategy_InlinesFiles_WithTheirMediaType_AndUploadsNothing()
    {
        await using var h = await EmulatorHarness.StartAsync(clientOptions: o => o.FileEncodingStrategy = FileEncodingStrategy.DataUri);
        h.Emulator.AddModel("acme/echo", (input, ctx) =>
        {
            using var stream = ctx.OpenInputFile(input.GetProperty("image").GetString()!);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return Task.FromResult<object?>(copy.Length);
        });

        var output = await h.Client.RunAsync("acme/echo", new { image = Png, text = new[] { new { file = new MemoryStream("hi"u8.ToArray()) } } });

        var input = JsonDocument.Parse(h.Requests("POST", "/v1/models/acme/echo/predictions")[0].Body).RootElement.GetProperty("input");
        Assert.Equal("data:image/png;base64," + Convert.ToBase64String(Png), input.GetProperty("image").GetString());
        Assert.Equal("data:application/octet-stream;base64,aGk=", input.GetProperty("text")[0].GetProperty("file").GetString());
        Assert.Equal(Png.Length, output.Deserialize<int>());
        Assert.Empty(h.Requests("POST", "/v1/files"));
    }

    [Fact]
    public async Task PerCallStrategy_OverridesTheClientDefault()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModel("acme/echo", (_, _) => Task.FromResult<object?>(null));

        await h.Client.Predictions.CreateAsync("acme/echo", new { image = Png }, new PredictionOptions { FileEncodingStrategy = FileEncodingStrategy.DataUri });
        await h.Client.RunAsync("acme/echo", new { image = Png }, new PredictionOptions { FileEncodingStrategy = FileEncodingStrategy.DataUri });
        await h.Client.Predictions.CreateAsync("acme/echo", new { image = Png });

        var inputs = h.Requests("POST", "/v1/models/acme/echo/predictions").Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("input").GetProperty("image").GetString()!).ToList();
        Assert.StartsWith("data:image/png;base64,", inputs[0], StringComparison.Ordinal);
        Assert.StartsWith("data:image/png;base64,", inputs[1], StringComparison.Ordinal);
        Assert.StartsWith(h.Emulator.BaseAddress + "files/", inputs[2], StringComparison.Ordinal);
        Assert.Single(h.Requests("POST", "/v1/files"));
    }

    [Fact]
    public async Task AutoStrategy_InlinesUpTo256KiB_AndUploadsLargerOrUnknownSizes()
    {
        await using var h = await EmulatorHarness.StartAsync(clientOptions: o => o.FileEncodingStrategy = FileEncodingStrategy.Auto);
        h.Emulator.AddModel("acme/echo", (_, _) => Task.FromResult<object?>(null));
        var small = new byte[256 * 1024];
        var large = new byte[(256 * 1024) + 1];

        await h.Client.Predictions.CreateAsync("acme/echo", new
        {
            small,
            large,
            seekable = new MemoryStream(new byte[10]),
            pipe = new FilesTests.NonSeekableStream(new byte[10]),
        });

        var input = JsonDocument.Parse(h.Requests("POST", "/v1/models/acme/echo/predictions")[0].Body).RootElement.GetProperty("input");
        Assert.StartsWith("data:", input.GetProperty("small").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("data:", input.GetProperty("seekable").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("http://", input.GetProperty("large").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("http://", input.GetProperty("pipe").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, h.Requests("POST", "/v1/files").Count);
    }

    [Fact]
    public async Task DataUriStrategy_RefusesMoreThan10MB_BeforeSendingAnything()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModel("acme/echo", (_, _) => Task.FromResult<object?>(null));

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => h.Client.Predictions.CreateAsync(
            "acme/echo", new { a = new byte[6_000_000], b = new byte[6_000_000] }, new PredictionOptions { FileEncodingStrategy = FileEncodingStrategy.DataUri }));

        Assert.Contains("FileEncodingStrategy.Upload", ex.Message, StringComparison.Ordinal);
        Assert.Empty(h.Emulator.Requests);
    }

    [Fact]
    public async Task TheSameStreamTwice_IsUploadedOnce()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModel("acme/echo", (_, _) => Task.FromResult<object?>(null));
        using var stream = new MemoryStream("once"u8.ToArray());

        await h.Client.Predictions.CreateAsync("acme/echo", new { a = stream, b = new[] { stream } });

        var input = JsonDocument.Parse(h.Requests("POST", "/v1/models/acme/echo/predictions")[0].Body).RootElement.GetProperty("input");
        Assert.Single(h.Requests("POST", "/v1/files"));
        Assert.Equal(input.GetProperty("a").GetString(), input.GetProperty("b")[0].GetString());
    }

    [Fact]
    public async Task PlainInputs_AreUnchanged_AndStringsThatLookLikePlaceholdersStayStrings()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModel("acme/echo", (_, _) => Task.FromResult<object?>(null));
        var input = new JsonObject { ["text"] = "replicate-file-input:0123:0", ["n"] = 1.5 };

        await h.Client.Predictions.CreateAsync("acme/echo", input);
        await h.Client.Predictions.CreateAsync("acme/echo", new { text = "replicate-file-input:x:0", image = new byte[1] });

        var bodies = h.Requests("POST", "/v1/models/acme/echo/predictions").Select(r => r.Body).ToList();
        Assert.Equal("""{"input":{"text":"replicate-file-input:0123:0","n":1.5}}""", bodies[0]);
        Assert.Contains("\"text\":\"replicate-file-input:x:0\"", bodies[1], StringComparison.Ordinal);
        Assert.Empty(h.Requests("POST", "/v1/files").Skip(1));
    }

    [Fact]
    public async Task StreamAndDeploymentCreates_UploadFilesToo()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModel("acme/echo", (_, _) => Task.FromResult<object?>("done"));
        h.Emulator.AddDeployment("acme/echo-deployment", "acme/echo");

        await foreach (var _ in h.Client.StreamAsync("acme/echo", new { image = Png }))
        {
        }

        await h.Client.Deployments.Predictions.CreateAsync("acme/echo-deployment", new { image = Png });

        var streamed = h.Requests("POST", "/v1/models/acme/echo/predictions")[0].Body;
        var deployed = h.Requests("POST", "/v1/deployments/acme/echo-deployment/predictions")[0].Body;
        Assert.Contains("\"image\":\"" + h.Emulator.BaseAddress + "files/", streamed, StringComparison.Ordinal);
        Assert.Contains("\"image\":\"" + h.Emulator.BaseAddress + "files/", deployed, StringComparison.Ordinal);
        Assert.Equal(2, h.Requests("POST", "/v1/files").Count);
    }

    [Fact]
    public async Task AnUploadedReplicateFile_PassedAsInput_IsItsUrl()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModel("acme/echo", (_, _) => Task.FromResult<object?>(null));
        var file = await h.Client.Files.UploadAsync(RandomNumberGenerator.GetBytes(10));

        await h.Client.Predictions.CreateAsync("acme/echo", new { image = file });

        Assert.Contains($"\"image\":\"{file.Urls!.Get}\"", h.Requests("POST", "/v1/models/acme/echo/predictions")[0].Body, StringComparison.Ordinal);
        Assert.Single(h.Requests("POST", "/v1/files"));
    }

    private static IEnumerable<string> FindStrings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => FindStrings(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(FindStrings),
        _ => [],
    };
}
