using System.Drawing;
using Microsoft.Extensions.AI;
using Replicate.Testing;

namespace Replicate.Extensions.AI.Tests;

public class ImageGeneratorTests
{
    private const string Flux = "black-forest-labs/flux-schnell";
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public async Task Generate_MapsPromptCountSizeAndSeed_AndReturnsThePngBytes()
    {
        await using var h = await Harness.StartAsync();
        var generator = h.Client.AsImageGenerator(Flux);

        var response = await generator.GenerateAsync(
            new ImageGenerationRequest("a lighthouse at dusk"),
            new ImageGenerationOptions { Count = 2, ImageSize = new Size(1920, 1080), AdditionalProperties = new() { ["seed"] = 7 } });

        var input = h.SentInput();
        Assert.Equal("a lighthouse at dusk", input.GetProperty("prompt").GetString());
        Assert.Equal(2, input.GetProperty("num_outputs").GetInt32());
        Assert.Equal("16:9", input.GetProperty("aspect_ratio").GetString());
        Assert.Equal(7, input.GetProperty("seed").GetInt32());

        Assert.Equal(2, response.Contents.Count);
        Assert.All(response.Contents, content =>
        {
            var image = Assert.IsType<DataContent>(content);
            Assert.Equal("image/png", image.MediaType);
            Assert.Equal(PngSignature, image.Data[..8].ToArray());
        });
        Assert.NotEqual(((DataContent)response.Contents[0]).Data.ToArray(), ((DataContent)response.Contents[1]).Data.ToArray());
        Assert.IsType<Prediction>(response.RawRepresentation);
    }

    [Fact]
    public async Task UriResponseFormat_ReturnsTheFileUrlsWithoutDownloading()
    {
        await using var h = await Harness.StartAsync();
        var generator = h.Client.AsImageGenerator(Flux);

        var response = await generator.GenerateAsync(
            new ImageGenerationRequest("tall"),
            new ImageGenerationOptions { ImageSize = new Size(500, 900), ResponseFormat = ImageGenerationResponseFormat.Uri });

        Assert.Equal("9:16", h.SentInput().GetProperty("aspect_ratio").GetString());
        var image = Assert.IsType<UriContent>(Assert.Single(response.Contents));
        Assert.Equal("image/png", image.MediaType);
        Assert.Equal("127.0.0.1", image.Uri.Host);
        Assert.DoesNotContain(h.Emulator.Requests, r => r.Method == "GET" && r.Path == image.Uri.AbsolutePath);
    }

    [Fact]
    public async Task AnOriginalImage_IsSentAsADataUri_ForImageToImageModels()
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.AddModel("acme/upscale", (input, ctx) =>
        {
            var image = input.GetProperty("image").GetString()!;
            return Task.FromResult<object?>(ctx.AddFile("up.png", Convert.FromBase64String(image[(image.IndexOf(',') + 1)..]), "image/png"));
        });
        byte[] original = [.. PngSignature, 1, 2, 3];
        var generator = h.Client.AsImageGenerator("acme/upscale");

        var response = await generator.GenerateAsync(new ImageGenerationRequest("", [new DataContent(original, "image/png")]));

        Assert.StartsWith("data:image/png;base64,", h.SentInput().GetProperty("image").GetString(), StringComparison.Ordinal);
        Assert.Equal(original, Assert.IsType<DataContent>(Assert.Single(response.Contents)).Data.ToArray());
    }

    [Fact]
    public async Task AFailingModel_Throws()
    {
        await using var h = await Harness.StartAsync();

        var ex = await Assert.ThrowsAsync<PredictionFailedException>(
            () => h.Client.AsImageGenerator("replicate/failing-model").GenerateAsync(new ImageGenerationRequest("x")));

        Assert.Equal("E1000: simulated model failure", ex.Error);
    }

    [Fact]
    public async Task AnOutputWithoutFiles_Throws_NamingTheOutput()
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.AddModel("acme/text", (_, _) => Task.FromResult<object?>("just text"));

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(
            () => h.Client.AsImageGenerator("acme/text").GenerateAsync(new ImageGenerationRequest("x")));

        Assert.Contains("no image file; its output was: just text", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetService_ReturnsMetadataAndTheReplicateClient()
    {
        await using var h = await Harness.StartAsync();
        using var generator = h.Client.AsImageGenerator(Flux);

        Assert.Equal("replicate", generator.GetService<ImageGeneratorMetadata>()?.ProviderName);
        Assert.Equal(Flux, generator.GetService<ImageGeneratorMetadata>()?.DefaultModelId);
        Assert.Same(h.Client, generator.GetService<ReplicateClient>());
    }

    [Theory]
    [InlineData(1024, 1024, "1:1")]
    [InlineData(1024, 576, "16:9")]
    [InlineData(1200, 900, "4:3")]
    [InlineData(900, 1200, "3:4")]
    [InlineData(2520, 1080, "21:9")]
    public void Sizes_MapToTheClosestAspectRatio(int width, int height, string expected)
    {
        var input = new ReplicateImageInputMapper().Map(new ImageGenerationRequest("x"), new ImageGenerationOptions { ImageSize = new Size(width, height) });

        Assert.Equal(expected, input["aspect_ratio"]);
    }

    [Fact]
    public void MediaType_MapsToOutputFormat()
    {
        var mapper = new ReplicateImageInputMapper();

        Assert.Equal("webp", mapper.Map(new ImageGenerationRequest("x"), new() { MediaType = "image/webp" })["output_format"]);
        Assert.Equal("jpg", mapper.Map(new ImageGenerationRequest("x"), new() { MediaType = "image/jpeg" })["output_format"]);
        Assert.Throws<ArgumentException>(() => mapper.Map(new ImageGenerationRequest("x"), new() { MediaType = "image/tiff" }));
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/iam", "it is not HTTPS")]
    [InlineData("https://169.254.169.254/latest/meta-data/iam", "private, link-local or reserved")]
    [InlineData("https://10.1.2.3/out.png", "private, link-local or reserved")]
    [InlineData("https://192.168.0.10/out.png", "private, link-local or reserved")]
    [InlineData("https://[fd00::1]/out.png", "private, link-local or reserved")]
    [InlineData("https://[fe80::1]/out.png", "private, link-local or reserved")]
    [InlineData("https://[::ffff:10.0.0.1]/out.png", "private, link-local or reserved")]
    [InlineData("https://app.localhost/out.png", "loopback")]
    public async Task OutputUrlsOnPrivateOrNonHttpsAddresses_AreNotDownloaded(string url, string reason)
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.AddModel("acme/evil-image", (_, _) => Task.FromResult<object?>(new[] { url }));
        var generator = h.Client.AsImageGenerator("acme/evil-image");

        var ex = await Assert.ThrowsAsync<ReplicateException>(() => generator.GenerateAsync(new ImageGenerationRequest("x")));

        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
        Assert.Contains("ResponseFormat", ex.Message, StringComparison.Ordinal);

        // Asked for URLs instead, the caller gets them and decides.
        var response = await generator.GenerateAsync(new ImageGenerationRequest("x"), new ImageGenerationOptions { ResponseFormat = ImageGenerationResponseFormat.Uri });
        Assert.Equal(new Uri(url), Assert.IsType<UriContent>(Assert.Single(response.Contents)).Uri);
    }

    [Fact]
    public async Task AnOutputUrlNamingTheApi_IsFetchedWithoutTheToken()
    {
        await using var h = await Harness.StartAsync();
        var secretUrl = new Uri(h.Emulator.BaseAddress, "webhooks/default/secret").ToString();
        h.Emulator.AddModel("acme/evil-image", (_, _) => Task.FromResult<object?>(secretUrl));

        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.AsImageGenerator("acme/evil-image").GenerateAsync(new ImageGenerationRequest("x")));

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, ex.StatusCode);
        Assert.False(Assert.Single(h.Emulator.Requests, r => r.Path == "/v1/webhooks/default/secret").Headers.ContainsKey("Authorization"));
    }
}
