using BatchSample;
using Replicate.Testing;

namespace Replicate.Samples.Tests;

public class BatchSampleTests
{
    [Fact]
    public async Task TheBatchSample_CaptionsAFolder_WithProgress_AndASecondRunComesFromTheJournal()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        EmulatedCaptioner.Register(emulator);
        using var replicate = new ReplicateClient(new ReplicateClientOptions { ApiToken = emulator.ApiToken, BaseAddress = emulator.BaseAddress });
        var folder = Directory.CreateTempSubdirectory("replicate-batch-sample-");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await Captioner.DrawDemoImagesAsync(replicate, folder.FullName, 12, timeout.Token);
            Assert.Equal(12, folder.GetFiles("*.png").Length);
            var journal = Path.Combine(folder.FullName, ".captions.journal.jsonl");
            var log = new StringWriter();

            var captions = await Captioner.CaptionFolderAsync(replicate, EmulatedCaptioner.Model, folder.FullName, journal, log, timeout.Token);

            Assert.Equal(12, captions.Count);
            Assert.All(captions.Values, c => Assert.Matches(@"^a 256x256 picture \([\d,]+ bytes of PNG\)$", c));
            Assert.Contains("[##############################] 12/12 done, 0 failed, 0 running", log.ToString(), StringComparison.Ordinal);
            Assert.Equal(12, emulator.Requests.Count(r => r.Method == "POST" && r.Path == "/v1/models/acme/captioner/predictions"));

            // Again: every caption from the journal, nothing created.
            var again = new StringWriter();
            Assert.Equal(captions, await Captioner.CaptionFolderAsync(replicate, EmulatedCaptioner.Model, folder.FullName, journal, again, timeout.Token));
            Assert.Equal(12, again.ToString().Split('\n').Count(l => l.EndsWith("(from the journal)", StringComparison.Ordinal)));
            Assert.Equal(12, emulator.Requests.Count(r => r.Method == "POST" && r.Path == "/v1/models/acme/captioner/predictions"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
