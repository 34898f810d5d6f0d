using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Replicate.Testing;
using Replicate.Tests.Infrastructure;

namespace Replicate.Tests;

public class FilesTests
{
    [Fact]
    public async Task UploadBytes_SendsMultipartWithQuotedFilenamePartTypeAndMetadata_AndReturnsTheFile()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var content = Encoding.UTF8.GetBytes("hello, files");

        var file = await h.Client.Files.UploadAsync(content, new FileUploadOptions
        {
            FileName = "notes \"v2\".txt",
            ContentType = "text/plain",
            Metadata = new { customer_reference_id = 123 },
        });

        var request = Assert.Single(h.Requests("POST", "/v1/files"));
        Assert.StartsWith("multipart/form-data; boundary=", request.Headers["Content-Type"], StringComparison.Ordinal);
        var parts = MultipartParts(request);
        var contentPart = parts[1];
        Assert.Contains("\r\nContent-Disposition: form-data; name=\"content\"; filename=\"notes %22v2%22.txt\"\r\n", contentPart, StringComparison.Ordinal);
        Assert.Contains("\r\nContent-Type: text/plain\r\n", contentPart, StringComparison.Ordinal);
        Assert.DoesNotContain("filename*", request.Body, StringComparison.Ordinal);
        var metadataPart = parts[2];
        Assert.Contains("\r\nContent-Disposition: form-data; name=\"metadata\"\r\n", metadataPart, StringComparison.Ordinal);
        Assert.Contains("\r\nContent-Type: application/json\r\n", metadataPart, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n{\"customer_reference_id\":123}\r\n", metadataPart, StringComparison.Ordinal);
        Assert.Contains("\r\n\r\nhello, files\r\n", request.Body, StringComparison.Ordinal);
        Assert.True(request.CarriesToken(h.Emulator.ApiToken!));

        Assert.Equal("notes \"v2\".txt", file.Name); // the filename form field carries the exact name
        Assert.Equal("text/plain", file.ContentType);
        Assert.Equal(content.Length, file.Size);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), file.Checksums?.Sha256);
#pragma warning disable CA5351 // The API reports an MD5 checksum; computing one to compare with is not a security use.
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(content)), file.Checksums?.Md5);
#pragma warning restore CA5351
        Assert.Equal(file.Checksums?.Md5, file.Etag);
        Assert.Equal(123, file.Metadata?.GetProperty("customer_reference_id").GetInt32());
        Assert.Equal(new Uri(h.Emulator.BaseAddress, "files/" + file.Id), file.Urls?.Get);
        Assert.Equal(file.CreatedAt?.AddHours(24), file.ExpiresAt);
    }

    [Fact]
    public async Task UploadWithoutOptions_NamesTheFileAndGuessesTheType_AndSendsNoMetadataPart()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var png = new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3 };
        var path = Path.Combine(Path.GetTempPath(), $"replicate-test-{Guid.NewGuid():N}.wav");
        await File.WriteAllBytesAsync(path, [1, 2, 3]);
        try
        {
            var fromBytes = await h.Client.Files.UploadAsync(png);
            var fromPath = await h.Client.Files.UploadAsync(path);
            var fromInfo = await h.Client.Files.UploadAsync(new FileInfo(path));
            using var unnamed = new MemoryStream([9, 9]);
            var fromStream = await h.Client.Files.UploadAsync(unnamed, new FileUploadOptions { FileName = "data.json" });

            Assert.Equal(("file.png", "image/png"), (fromBytes.Name, fromBytes.ContentType));
            Assert.Equal((Path.GetFileName(path), "audio/wav", 3L), (fromPath.Name, fromPath.ContentType, fromPath.Size));
            Assert.Equal(Path.GetFileName(path), fromInfo.Name);
            Assert.Equal(("data.json", "application/json", 2L), (fromStream.Name, fromStream.ContentType, fromStream.Size));
            Assert.Equal("{}", fromBytes.Metadata?.GetRawText());
            Assert.All(h.Requests("POST", "/v1/files"), r => Assert.DoesNotContain("name=\"metadata\"", r.Body, StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task UploadStream_StartsAtTheCurrentPosition_AndLeavesTheStreamOpen()
    {
        await using var h = await EmulatorHarness.StartAsync();
        using var stream = new MemoryStream(Encoding.ASCII.GetBytes("skip-keep"));
        stream.Position = 5;

        var file = await h.Client.Files.UploadAsync(stream);

        Assert.Equal(4, file.Size);
        Assert.True(stream.CanRead, "the caller's stream is not disposed");
        await using var content = h.Emulator.OpenFile(file.Urls!.Get!.ToString());
        Assert.Equal("keep", await new StreamReader(content).ReadToEndAsync());
    }

    [Fact]
    public async Task GetListEnumerateDelete_OnTheWire()
    {
        await using var h = await EmulatorHarness.StartAsync(o => o.PageSize = 2);
        var uploaded = new List<ReplicateFile>();
        for (var i = 0; i < 5; i++)
        {
            uploaded.Add(await h.Client.Files.UploadAsync(new byte[] { (byte)i }, new FileUploadOptions { FileName = $"f{i}.bin" }));
        }

        var got = await h.Client.Files.GetAsync(uploaded[2].Id);
        var first = await h.Client.Files.ListAsync();
        var second = await h.Client.Files.ListAsync(first.Next);
        var all = await h.Client.Files.EnumerateAsync().ToListAsync();
        await h.Client.Files.DeleteAsync(uploaded[0].Id);
        var afterDelete = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Files.GetAsync(uploaded[0].Id));
        var deleteAgain = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Files.DeleteAsync(uploaded[0].Id));

        Assert.Equal("f2.bin", got.Name);
        Assert.Equal(["f4.bin", "f3.bin"], first.Results.Select(f => f.Name));
        Assert.Equal(["f2.bin", "f1.bin"], second.Results.Select(f => f.Name));
        Assert.Equal(uploaded.Select(f => f.Id).Reverse(), all.Select(f => f.Id));
        Assert.Equal(HttpStatusCode.NotFound, afterDelete.StatusCode);
        Assert.Equal("File not found", afterDelete.Detail);
        Assert.Equal(HttpStatusCode.NotFound, deleteAgain.StatusCode);
        Assert.Single(h.Requests("GET", "/v1/files/" + uploaded[2].Id));
        Assert.Equal(2, h.Requests("DELETE", "/v1/files/").Count);
        Assert.Contains(h.Requests("GET", "/v1/files"), r => r.Query.StartsWith("?cursor=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Download_WithASignedLink_StreamsTheContent_AndABadSignatureIs404()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var content = RandomNumberGenerator.GetBytes(300_000);
        var file = await h.Client.Files.UploadAsync(content);
        var url = h.Emulator.CreateFileDownloadUrl(file.Id);
        var link = FileDownloadLink.Parse(url);
        var path = Path.Combine(Path.GetTempPath(), $"replicate-test-{Guid.NewGuid():N}.bin");
        try
        {
            await using (var stream = await h.Client.Files.OpenReadAsync(link))
            using (var copy = new MemoryStream())
            {
                await stream.CopyToAsync(copy);
                Assert.Equal(content, copy.ToArray());
            }

            using var sink = new MemoryStream();
            await h.Client.Files.CopyToAsync(link, sink);
            await h.Client.Files.SaveAsync(link, path);
            Assert.Equal(content, sink.ToArray());
            Assert.Equal(content, await File.ReadAllBytesAsync(path));
        }
        finally
        {
            File.Delete(path);
        }

        var forged = new FileDownloadLink(file.Id, link.Owner, link.Expiry, Convert.ToBase64String(new byte[32]));
        var expired = FileDownloadLink.Parse(h.Emulator.CreateFileDownloadUrl(file.Id, DateTimeOffset.UnixEpoch.AddYears(40)));
        var wrongOwner = new FileDownloadLink(file.Id, "someone-else", link.Expiry, link.Signature);
        foreach (var bad in new[] { forged, expired, wrongOwner })
        {
            var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Files.OpenReadAsync(bad));
            Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
            Assert.DoesNotContain(bad.Signature, ex.Message, StringComparison.Ordinal);
        }

        var download = h.Requests("GET", $"/v1/files/{file.Id}/download")[0];
        Assert.Equal($"?owner={link.Owner}&expiry={link.Expiry.ToUnixTimeSeconds()}&signature={Uri.EscapeDataString(link.Signature)}", download.Query);
        Assert.DoesNotContain(link.Signature, link.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://api.replicate.com/v1/files/abc/download?owner=me&expiry=1708515345&signature=zuoghqlrcnw8YHywkpaXQlHsVhWen%2FDZ4aal76dLiOo%3D", true)]
    [InlineData("https://api.replicate.com/v1/files/abc/download?owner=me&expiry=soon&signature=x", false)]
    [InlineData("https://api.replicate.com/v1/files/abc?owner=me&expiry=1&signature=x", false)]
    [InlineData("https://api.replicate.com/v1/files/abc/download?expiry=1&signature=x", false)]
    public void DownloadLinks_ParseTheSpecExample_AndRefuseIncompleteUrls(string url, bool valid)
    {
        Assert.Equal(valid, FileDownloadLink.TryParse(new Uri(url), out var link));
        if (valid)
        {
            Assert.Equal(("abc", "me", 1708515345L, "zuoghqlrcnw8YHywkpaXQlHsVhWen/DZ4aal76dLiOo="), (link!.FileId, link.Owner, link.Expiry.ToUnixTimeSeconds(), link.Signature));
        }
        else
        {
            Assert.Throws<FormatException>(() => FileDownloadLink.Parse(new Uri(url)));
        }
    }

    [Fact]
    public async Task TooLargeUpload_Surfaces413WithTheServersDetail()
    {
        await using var h = await EmulatorHarness.StartAsync(o => o.MaxFileSize = 1000);

        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Files.UploadAsync(new byte[5000]));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, ex.StatusCode);
        Assert.Equal("Files must be less than 1000 bytes in size", ex.Detail);
        Assert.Empty(await h.Client.Files.ListAsync() is { } page ? page.Results : []);
    }

    [Fact]
    public async Task ThrottledUpload_OfANonSeekableStream_IsNotRetried_AndSaysWhy()
    {
        var clock = new TestClock();
        await using var h = await EmulatorHarness.StartAsync(clientOptions: o => o.TimeProvider = clock);
        h.Emulator.Faults.Add(new EmulatorFault { Method = "POST", PathPrefix = "/v1/files", StatusCode = 429, Headers = new Dictionary<string, string> { ["Retry-After"] = "1" } });
        await using var pipe = new NonSeekableStream(new byte[1000]);

        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => clock.RunAsync(h.Client.Files.UploadAsync(pipe)));

        Assert.Equal(HttpStatusCode.TooManyRequests, ex.StatusCode);
        Assert.Contains("not retried: its stream cannot seek", ex.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(1), ex.RetryAfter);
        Assert.Single(h.Requests("POST", "/v1/files"));
        Assert.Equal("chunked", h.Requests("POST", "/v1/files")[0].Headers["Transfer-Encoding"]);
    }

    [Fact]
    public async Task ThrottledUpload_OfASeekableStream_IsRetriedFromWhereItStarted()
    {
        var clock = new TestClock();
        await using var h = await EmulatorHarness.StartAsync(clientOptions: o => o.TimeProvider = clock);
        h.Emulator.Faults.Add(new EmulatorFault { Method = "POST", PathPrefix = "/v1/files", StatusCode = 429, Headers = new Dictionary<string, string> { ["Retry-After"] = "1" } });
        using var stream = new MemoryStream(Encoding.ASCII.GetBytes("xxhello"));
        stream.Position = 2;

        var file = await clock.RunAsync(h.Client.Files.UploadAsync(stream));

        Assert.Equal(5, file.Size);
        var attempts = h.Requests("POST", "/v1/files");
        Assert.Equal(2, attempts.Count);
        Assert.Equal(attempts[0].Body, attempts[1].Body);
        Assert.All(attempts, a => Assert.True(a.Headers.ContainsKey("Content-Length"), "a seekable upload declares its length"));
    }

    [Fact]
    public async Task UploadedFiles_CanBeReadByAModelThatReceivesTheirUrl()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModel("acme/wc", async (input, ctx) =>
        {
            await using var stream = ctx.OpenInputFile(input.GetProperty("document").GetString()!);
            return (await new StreamReader(stream).ReadToEndAsync()).Split(' ').Length;
        });
        var file = await h.Client.Files.UploadAsync(Encoding.UTF8.GetBytes("one two three"), new FileUploadOptions { FileName = "doc.txt" });

        var output = await h.Client.RunAsync("acme/wc", new { document = file });

        Assert.Equal(3, output.Deserialize<int>());
        Assert.Contains($"\"document\":\"{file.Urls!.Get}\"", h.Requests("POST", "/v1/models/acme/wc/predictions")[0].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileValues_InMetadata_AreRefusedBeforeAnythingIsSent()
    {
        await using var h = await EmulatorHarness.StartAsync();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => h.Client.Files.UploadAsync(new byte[1], new FileUploadOptions { Metadata = new { thumbnail = new byte[1] } }));

        Assert.Contains("file metadata", ex.Message, StringComparison.Ordinal);
        Assert.Empty(h.Requests("POST", "/v1/files"));
    }

    /// <summary>The recorded body split at its multipart boundary: [preamble, part 1, part 2, ..., closing].</summary>
    private static string[] MultipartParts(RecordedRequest request) =>
        request.Body.Split("--" + request.Headers["Content-Type"].Split("boundary=")[1].Trim('"'));

    /// <summary>A read-only stream that cannot seek, like a network or pipe stream.</summary>
    internal sealed class NonSeekableStream(byte[] content) : Stream
    {
        private readonly MemoryStream _inner = new(content);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public async Task FileUpload_SendsTheFilenameAndTypeFormFields()
    {
        await using var h = await EmulatorHarness.StartAsync();

        await h.Client.Files.UploadAsync(Encoding.UTF8.GetBytes("hi"), new FileUploadOptions { FileName = "notes \"v2\".txt", ContentType = "text/plain" });
        await h.Client.Files.UploadAsync(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 1 });

        var requests = h.Requests("POST", "/v1/files");
        Assert.Equal(2, requests.Count);
        var named = FormFields(requests[0]);
        Assert.Equal("notes \"v2\".txt", named["filename"]);
        Assert.Equal("text/plain", named["type"]);
        var guessed = FormFields(requests[1]);
        Assert.Equal("file.png", guessed["filename"]);
        Assert.Equal("image/png", guessed["type"]);
    }

    /// <summary>The text parts of a multipart body, by their form field name.</summary>
    private static Dictionary<string, string> FormFields(Replicate.Testing.RecordedRequest request)
    {
        var boundary = request.Headers["Content-Type"].Split("boundary=")[1].Trim('"');
        var fields = new Dictionary<string, string>();
        foreach (var part in request.Body.Split("--" + boundary))
        {
            var marker = "Content-Disposition: form-data; name=\"";
            var at = part.IndexOf(marker, StringComparison.Ordinal);
            if (at < 0 || part.Contains("filename=", StringComparison.Ordinal))
            {
                continue;
            }

            var name = part[(at + marker.Length)..part.IndexOf('"', at + marker.Length)];
            var body = part[(part.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
            fields[name] = body.EndsWith("\r\n", StringComparison.Ordinal) ? body[..^2] : body;
        }

        return fields;
    }
}
