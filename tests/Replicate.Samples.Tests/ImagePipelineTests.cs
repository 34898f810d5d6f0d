using System.Buffers.Binary;
using System.Text.Json;
using ImagePipeline;
using Replicate.Testing;

namespace Replicate.Samples.Tests;

public class ImagePipelineTests
{
    [Fact]
    public async Task Pipeline_FeedsTheGeneratedFileToTheUpscaler_AndSavesAPng()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        EmulatedUpscaler.Register(emulator, stepDelay: TimeSpan.FromMilliseconds(50));
        using var replicate = new ReplicateClient(new ReplicateClientOptions
        {
            ApiToken = emulator.ApiToken,
            BaseAddress = emulator.BaseAddress,
            PollingInterval = TimeSpan.FromMilliseconds(10),
        });
        var folder = Directory.CreateTempSubdirectory("replicate-pipeline-");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var log = new StringWriter();

        try
        {
            var path = await Pipeline.RunAsync(replicate, PipelineModels.Emulator, "a fox", Path.Combine(folder.FullName, "fox.png"), log, timeout.Token);

            var bytes = await File.ReadAllBytesAsync(path, timeout.Token);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
            Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
            Assert.Equal(512, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16))); // the generator draws 256x256; scale 2
            Assert.Equal(512, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));

            // The upscaler was given the generator's output file by URL.
            var upscale = Assert.Single(emulator.Requests, r => r.Method == "POST" && r.Path == "/v1/models/acme/upscale/predictions");
            var image = JsonDocument.Parse(upscale.Body).RootElement.GetProperty("input").GetProperty("image").GetString();
            Assert.Matches(@"^http://127\.0\.0\.1:\d+/.+/out-0\.png$", image);

            // Progress was reported while the upscaler ran, not only at the end.
            Assert.Matches(@"acme/upscale: processing (25|50|75)", log.ToString());
            Assert.Contains("saved", log.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
