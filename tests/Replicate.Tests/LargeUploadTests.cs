using Replicate.Tests.Infrastructure;

namespace Replicate.Tests;

/// <summary>Measures the process-wide managed heap, so it joins the collection that runs alone.</summary>
[Collection(nameof(LargeFileTests))]
public class LargeUploadTests
{
    [Fact]
    public async Task TwoHundredMegabyteUpload_StreamsFromDiskWithFlatMemory()
    {
        const long size = 200L * 1024 * 1024;
        await using var h = await EmulatorHarness.StartAsync(o => o.MaxFileSize = size);
        var path = Path.Combine(Path.GetTempPath(), $"replicate-upload-{Guid.NewGuid():N}.bin");
        try
        {
            await WritePatternFileAsync(path, size);
            string sha256;
            await using (var source = File.OpenRead(path))
            {
                sha256 = Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(source));
            }

            GC.Collect();
            GC.WaitForPendingFinalizers();
            var before = GC.GetTotalMemory(forceFullCollection: true);
            using var sampling = new CancellationTokenSource();
            var peak = before;
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    peak = Math.Max(peak, GC.GetTotalMemory(false));
                    await Task.Delay(10, CancellationToken.None);
                }
            });

            var file = await h.Client.Files.UploadAsync(path);

            await sampling.CancelAsync();
            await sampler;
            Assert.Equal(size, file.Size);
            Assert.Equal(sha256, file.Checksums?.Sha256);
            Assert.True(peak - before < 64L * 1024 * 1024, $"managed heap grew by {(peak - before) / (1024 * 1024)} MiB");
            Assert.Empty(h.Requests("POST", "/v1/files")[0].Body);
            await using var stored = h.Emulator.OpenFile(file.Urls!.Get!.ToString());
            Assert.Equal(size, stored.Length);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task WritePatternFileAsync(string path, long size)
    {
        var chunk = new byte[1024 * 1024];
        for (var i = 0; i < chunk.Length; i++)
        {
            chunk[i] = (byte)(i % 251);
        }

        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        for (long written = 0; written < size; written += chunk.Length)
        {
            await file.WriteAsync(chunk);
        }
    }
}
