using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Replicate.Testing.Tests;

public sealed class PngTests
{
    [Theory]
    [InlineData("1:1", 256, 256)]
    [InlineData("16:9", 455, 256)]
    [InlineData("9:16", 256, 455)]
    public async Task Flux_outputs_real_pngs_at_the_requested_aspect_ratio(string aspect, int width, int height)
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        var (response, prediction) = await TestHttp.PostAsync(
            client,
            "models/black-forest-labs/flux-schnell/predictions",
            $$$"""{"input":{"prompt":"a red fox","aspect_ratio":"{{{aspect}}}","seed":7}}""",
            ("Prefer", "wait"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("succeeded", prediction.Status());
        var url = Assert.Single(prediction.GetProperty("output").EnumerateArray()).GetString()!;
        Assert.EndsWith("/out-0.png", url, StringComparison.Ordinal);

        using var anonymous = new HttpClient();
        using var file = await anonymous.GetAsync(new Uri(url));
        Assert.Equal("image/png", file.Content.Headers.ContentType?.MediaType);
        var png = await file.Content.ReadAsByteArrayAsync();
        var (w, h) = DecodeAndCheck(png);
        Assert.Equal((width, height), (w, h));
    }

    [Fact]
    public async Task Flux_makes_num_outputs_distinct_images_and_logs_progress()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        var (_, prediction) = await TestHttp.PostAsync(
            client, "models/black-forest-labs/flux-schnell/predictions", """{"input":{"prompt":"boats","num_outputs":3}}""", ("Prefer", "wait"));

        var urls = prediction.GetProperty("output").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(3, urls.Count);
        Assert.Equal(["out-0.png", "out-1.png", "out-2.png"], urls.Select(u => u[(u.LastIndexOf('/') + 1)..]));
        using var anonymous = new HttpClient();
        var images = new List<byte[]>();
        foreach (var url in urls)
        {
            images.Add(await anonymous.GetByteArrayAsync(new Uri(url)));
        }

        Assert.Equal(3, images.Select(Convert.ToBase64String).Distinct().Count());
        var logs = prediction.Str("logs");
        Assert.Contains("  50%|█████     | 2/4 [00:00<00:00, 10.00it/s]\n", logs, StringComparison.Ordinal);
        Assert.Contains(" 100%|██████████| 4/4", logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Same_prompt_and_seed_give_the_same_image()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        using var anonymous = new HttpClient();

        async Task<byte[]> RunAsync()
        {
            var (_, p) = await TestHttp.PostAsync(client, "models/black-forest-labs/flux-schnell/predictions", """{"input":{"prompt":"same","seed":1}}""", ("Prefer", "wait"));
            return await anonymous.GetByteArrayAsync(new Uri(p.GetProperty("output")[0].GetString()!));
        }

        Assert.Equal(await RunAsync(), await RunAsync());
    }

    [Theory]
    [InlineData("""{"prompt":"x","num_outputs":5}""", "num_outputs")]
    [InlineData("""{"prompt":"x","num_outputs":0}""", "num_outputs")]
    [InlineData("""{"prompt":"x","aspect_ratio":"4:3"}""", "aspect_ratio")]
    [InlineData("""{"seed":1}""", "prompt")]
    public async Task Flux_inputs_are_validated_against_its_schema(string input, string field)
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        var (response, problem) = await TestHttp.PostAsync(client, "models/black-forest-labs/flux-schnell/predictions", "{\"input\":" + input + "}");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains(field, problem.Str("detail"), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Array, problem.GetProperty("invalid_fields").ValueKind);
    }

    /// <summary>Walks the chunks, checks every CRC and the zlib payload size; returns the IHDR dimensions.</summary>
    private static (int Width, int Height) DecodeAndCheck(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        var offset = 8;
        int width = 0, height = 0;
        using var idat = new MemoryStream();
        var chunkTypes = new List<string>();
        while (offset < png.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            var type = Encoding.ASCII.GetString(png, offset + 4, 4);
            var data = png.AsSpan(offset + 8, length);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset + 8 + length));
            Assert.Equal(Crc32.HashToUInt32(png.AsSpan(offset + 4, length + 4)), crc);
            chunkTypes.Add(type);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                Assert.Equal(8, data[8]); // bit depth
                Assert.Equal(2, data[9]); // truecolour
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }

            offset += 12 + length;
        }

        Assert.Equal("IHDR", chunkTypes[0]);
        Assert.Equal("IEND", chunkTypes[^1]);

        // IEND is always the same 12 bytes, its CRC AE 42 60 82: a value from the PNG spec, not from any CRC code.
        Assert.Equal(new byte[] { 0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82 }, png[^12..]);

        idat.Position = 0;
        using var zlib = new ZLibStream(idat, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        zlib.CopyTo(raw);
        Assert.Equal(((width * 3) + 1) * height, raw.Length);
        return (width, height);
    }
}
