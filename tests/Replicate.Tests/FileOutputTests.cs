using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Replicate.Testing;
using Replicate.Tests.Infrastructure;

namespace Replicate.Tests;

public class FileOutputTests
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public async Task ImageModel_ReturnsDownloadablePngs()
    {
        await using var h = await EmulatorHarness.StartAsync();

        var output = await h.Client.RunAsync("black-forest-labs/flux-schnell", new { prompt = "a red fox", num_outputs = 2 });
        var files = output.AsFiles();

        Assert.Equal(2, files.Count);
        var bytes = await files[0].ReadAllBytesAsync();
        Assert.Equal(PngSignature, bytes[..8]);
        Assert.EndsWith(".png", files[0].Uri.AbsolutePath, StringComparison.Ordinal);
        Assert.Equal(files[0].Uri.ToString(), files[0].ToString());

        var path = Path.Combine(Path.GetTempPath(), $"replicate-test-{Guid.NewGuid():N}.png");
        try
        {
            await files[1].SaveAsync(path);
            Assert.Equal(PngSignature, (await File.ReadAllBytesAsync(path))[..8]);
            Assert.False(File.Exists(path + ".partial"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task FilesAreFoundAtAnyDepth_AndOtherSchemesAreNotFiles()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModel("acme/mixed", (_, ctx) => Task.FromResult<object?>(new
        {
            images = new[] { ctx.AddFile("a.txt", "A"u8.ToArray(), "text/plain"), ctx.AddFile("b.txt", "B"u8.ToArray(), "text/plain") },
            nested = new { deeper = new[] { new { inline = "data:text/plain;base64,aGVsbG8=" } } },
            caption = "https is a protocol",
            local = "file:///etc/passwd",
            script = "javascript:alert(1)",
        }));

        var output = await h.Client.RunAsync("acme/mixed", new { });
        var files = output.AsFiles();

        Assert.Equal(3, files.Count);
        Assert.Equal("A"u8.ToArray(), await files[0].ReadAllBytesAsync());
        Assert.Equal("B"u8.ToArray(), await files[1].ReadAllBytesAsync());
        Assert.Equal("hello"u8.ToArray(), await files[2].ReadAllBytesAsync());
        Assert.Equal("text/plain", files[2].ContentType);
        Assert.Contains("holds 3 files", Assert.Throws<InvalidOperationException>(() => output.AsFile()).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"file:///etc/passwd\"")]
    [InlineData("\"javascript:alert(1)\"")]
    [InlineData("\"just text\"")]
    [InlineData("42")]
    public async Task NonFileOutputs_AreNotFiles(string json)
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModel("acme/value", (_, _) => Task.FromResult<object?>(JsonDocument.Parse(json).RootElement));
        var output = await h.Client.RunAsync("acme/value", new { });
        Assert.Empty(output.AsFiles());
        Assert.Throws<InvalidOperationException>(() => output.AsFile());
    }

    [Fact]
    public async Task DataUri_WithInvalidBase64_IsAReplicateException()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModel("acme/bad", (_, _) => Task.FromResult<object?>("data:image/png;base64,@@@not-base64@@@"));
        var file = (await h.Client.RunAsync("acme/bad", new { })).AsFile();
        var ex = await Assert.ThrowsAsync<ReplicateException>(() => file.ReadAllBytesAsync());
        Assert.Contains("not valid base64", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataUri_PercentEncoded_KeepsPlusSigns()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModel("acme/text", (_, _) => Task.FromResult<object?>("data:text/plain,1+1%3D2"));
        var bytes = await (await h.Client.RunAsync("acme/text", new { })).AsFile().ReadAllBytesAsync();
        Assert.Equal("1+1=2"u8.ToArray(), bytes);
    }

    [Fact]
    public async Task DownloadError_IsAReplicateApiException()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var missing = new Uri(h.Emulator.BaseAddress, "/files-output/nope/missing.png").ToString();
        h.Emulator.AddModel("acme/dangling", (_, _) => Task.FromResult<object?>(missing));
        var file = (await h.Client.RunAsync("acme/dangling", new { })).AsFile();

        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => file.ReadAllBytesAsync());
        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);

        var path = Path.Combine(Path.GetTempPath(), $"replicate-test-{Guid.NewGuid():N}.png");
        await Assert.ThrowsAsync<ReplicateApiException>(() => file.SaveAsync(path));
        Assert.False(File.Exists(path));
        Assert.False(File.Exists(path + ".partial"));
    }

    [Fact]
    public async Task FileOutput_AsInput_BecomesItsUrl_SoModelsChain()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string? received = null;
        h.Emulator.AddModel("acme/upscale", (input, _) =>
        {
            received = input.GetProperty("image").GetString();
            return Task.FromResult<object?>("ok");
        });

        var image = (await h.Client.RunAsync("black-forest-labs/flux-schnell", new { prompt = "fox" })).AsFile();
        await h.Client.RunAsync("acme/upscale", new { image, scale = 2 });

        Assert.Equal(image.Uri.ToString(), received);
    }

    [Fact]
    public async Task OutputViews()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModel("acme/struct", (_, _) => Task.FromResult<object?>(new { label = "cat", score_value = 0.9 }));
        h.Emulator.AddModel("acme/null", (_, _) => Task.FromResult<object?>(null));

        var structured = await h.Client.RunAsync("acme/struct", new { });
        var nothing = await h.Client.RunAsync("acme/null", new { });

        Assert.Equal(new Classification("cat", 0.9), structured.Deserialize<Classification>());
        Assert.Equal("""{"label":"cat","score_value":0.9}""", structured.ToString());
        Assert.Contains("not a string", Assert.Throws<InvalidOperationException>(() => structured.AsString()).Message, StringComparison.Ordinal);
        Assert.True(nothing.IsNull);
        Assert.Null(nothing.AsString());
        Assert.Equal(string.Empty, nothing.ToString());
    }

    private sealed record Classification(string Label, double ScoreValue);
}

/// <summary>Measures the process-wide managed heap, so it runs alone: parallel tests would inflate it.</summary>
[Collection(nameof(LargeFileTests))]
[CollectionDefinition(nameof(LargeFileTests), DisableParallelization = true)]
public class LargeFileTests
{
    [Fact]
    public async Task OneGibibyteFile_StreamsWithFlatMemory()
    {
        const long size = 1L << 30;
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModel("acme/huge", (_, ctx) => Task.FromResult<object?>(ctx.AddFile("huge.bin", "application/octet-stream", () => ReplicateEmulator.CreatePatternStream(size))));
        var file = (await h.Client.RunAsync("acme/huge", new { })).AsFile();

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var sink = new VerifyingSink();
        var stopwatch = Stopwatch.StartNew();

        await file.CopyToAsync(sink);

        stopwatch.Stop();
        Assert.Equal(size, sink.Length);
        Assert.True(sink.PatternHolds, "bytes arrived intact and in order");
        Assert.True(sink.PeakManagedHeap - before < 64L * 1024 * 1024, $"managed heap grew by {(sink.PeakManagedHeap - before) / (1024 * 1024)} MiB");
        // Only a floor that catches a download gone pathologically slow: this test is about flat memory, and CI runs the
        // test projects side by side on two cores, which can slow the copy several times over.
        var mibPerSecond = size / (1024.0 * 1024.0) / stopwatch.Elapsed.TotalSeconds;
        Assert.True(mibPerSecond > 10, $"{mibPerSecond:0} MiB/s");
        _ = allocatedBefore;
    }

    /// <summary>Checks the emulator's pattern (byte i = i % 251) on the first MiB and samples heap size as data flows.</summary>
    private sealed class VerifyingSink : Stream
    {
        public bool PatternHolds { get; private set; } = true;

        public long PeakManagedHeap { get; private set; }

        public override long Length => _length;

        private long _length;
        private int _writes;

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_length < 1 << 20)
            {
                for (var i = 0; i < buffer.Length; i++)
                {
                    if (buffer[i] != (byte)((_length + i) % 251))
                    {
                        PatternHolds = false;
                        break;
                    }
                }
            }

            _length += buffer.Length;
            if (++_writes % 256 == 0)
            {
                PeakManagedHeap = Math.Max(PeakManagedHeap, GC.GetTotalMemory(false));
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
