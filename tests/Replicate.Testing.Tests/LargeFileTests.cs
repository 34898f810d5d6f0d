using System.Net;
using System.Net.Http.Headers;

namespace Replicate.Testing.Tests;

/// <summary>
/// Runs alone: it measures process-wide allocations, which tests running in parallel would inflate.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class LargeFileTests
{
    [Fact]
    public async Task A_1_GiB_file_is_streamed_not_buffered()
    {
        const long OneGiB = 1L << 30;
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        var url = emulator.AddFile("weights.tar", "application/x-tar", () => ReplicateEmulator.CreatePatternStream(OneGiB));

        // Tail first: the server seeks instead of reading 1 GiB.
        using (var tail = new HttpRequestMessage(HttpMethod.Get, url))
        {
            tail.Headers.Range = new RangeHeaderValue(OneGiB - 16, null);
            using var response = await client.SendAsync(tail);
            Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
            Assert.Equal(Enumerable.Range(0, 16).Select(i => (byte)((OneGiB - 16 + i) % 251)), await response.Content.ReadAsByteArrayAsync());
        }

        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: false);
        using var full = await client.GetAsync(new Uri(url), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(OneGiB, full.Content.Headers.ContentLength);
        await using var body = await full.Content.ReadAsStreamAsync();
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while ((read = await body.ReadAsync(buffer, timeout.Token)) > 0)
        {
            if (total == 0 || total + read == OneGiB)
            {
                for (var i = 0; i < read; i++)
                {
                    Assert.Equal((byte)((total + i) % 251), buffer[i]);
                }
            }

            total += read;
        }

        Assert.Equal(OneGiB, total);

        // Client and server share this process: a buffered copy anywhere would allocate a gigabyte.
        var allocated = GC.GetTotalAllocatedBytes(precise: false) - allocatedBefore;
        Assert.True(allocated < 128L << 20, $"allocated {allocated >> 20} MiB while streaming 1 GiB");
    }
}
