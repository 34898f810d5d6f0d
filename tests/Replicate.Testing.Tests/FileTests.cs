using System.Net;
using System.Net.Http.Headers;

namespace Replicate.Testing.Tests;

public sealed class FileTests
{
    [Fact]
    public async Task Files_are_served_without_auth_with_length_type_and_accept_ranges()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var anonymous = new HttpClient { Timeout = TestHttp.DefaultTimeout };
        var url = emulator.AddFile("data.bin", "application/octet-stream", () => ReplicateEmulator.CreatePatternStream(10_000));

        using var response = await anonymous.GetAsync(new Uri(url));
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.StartsWith(emulator.BaseAddress.GetLeftPart(UriPartial.Authority) + "/files-output/", url, StringComparison.Ordinal);
        Assert.EndsWith("/data.bin", url, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(10_000, response.Content.Headers.ContentLength);
        Assert.Contains("bytes", response.Headers.AcceptRanges);
        Assert.Equal(10_000, bytes.Length);
        for (var i = 0; i < bytes.Length; i++)
        {
            Assert.Equal((byte)(i % 251), bytes[i]);
        }
    }

    [Fact]
    public async Task Range_requests_get_206_with_the_requested_slice()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = new HttpClient { Timeout = TestHttp.DefaultTimeout };
        var url = emulator.AddFile("data.bin", "application/octet-stream", () => ReplicateEmulator.CreatePatternStream(10_000));
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Range = new RangeHeaderValue(1000, 1999);

        using var response = await client.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(1000, response.Content.Headers.ContentLength);
        Assert.Equal(1000, response.Content.Headers.ContentRange?.From);
        Assert.Equal(1999, response.Content.Headers.ContentRange?.To);
        Assert.Equal(10_000, response.Content.Headers.ContentRange?.Length);
        Assert.Equal(Enumerable.Range(1000, 1000).Select(i => (byte)(i % 251)), bytes);
    }

    [Fact]
    public async Task Head_reports_length_without_a_body_and_unknown_files_are_404()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = new HttpClient { Timeout = TestHttp.DefaultTimeout };
        var url = emulator.AddFile("a b.txt", "text/plain", () => new MemoryStream("hello"u8.ToArray()));

        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, url));
        using var get = await client.GetAsync(new Uri(url));
        using var missing = await client.GetAsync(new Uri(url.Replace("a%20b.txt", "other.txt", StringComparison.Ordinal)));
        using var post = await client.PostAsync(new Uri(url), null);

        Assert.Contains("a%20b.txt", url, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(5, head.Content.Headers.ContentLength);
        Assert.Equal("hello", await get.Content.ReadAsStringAsync());
        Assert.Equal("text/plain", get.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }

    [Fact]
    public void Pattern_stream_reads_seeks_and_ends()
    {
        using var stream = ReplicateEmulator.CreatePatternStream(1000);
        var buffer = new byte[600];

        Assert.True(stream.CanSeek);
        Assert.Equal(600, stream.Read(buffer));
        Assert.Equal((byte)(599 % 251), buffer[599]);
        Assert.Equal(400, stream.Read(buffer));
        Assert.Equal((byte)(999 % 251), buffer[399]);
        Assert.Equal(0, stream.Read(buffer));
        stream.Seek(-3, SeekOrigin.End);
        Assert.Equal(3, stream.Read(buffer));
        Assert.Equal((byte)(997 % 251), buffer[0]);
    }
}
