using Quickstart;
using Replicate.Testing;
using Replicate.Tests;

namespace Replicate.Samples.Tests;

public class QuickstartTests
{
    [Fact]
    public async Task WithTheNetworkDown_ItPrintsOneLineSayingWhatFailed_AndExitsNonZero()
    {
        // A bound port that nothing listens on; a disposed emulator's port could be taken by another test's server.
        using var closed = new RefusingPort();
        using var replicate = new ReplicateClient(new ReplicateClientOptions { ApiToken = "r8_quickstart_test", BaseAddress = closed.BaseAddress, MaxRetries = 0 });
        var output = new StringWriter();
        var error = new StringWriter();

        var exitCode = await QuickstartApp.RunAsync(replicate, emulated: false, output, error, Path.GetTempPath(), CancellationToken.None);

        Assert.Equal(1, exitCode);
        var line = Assert.Single(error.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Failed: POST /v1/models/meta/meta-llama-3-8b-instruct/predictions failed after 1 attempt: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgainstTheEmulator_ItStreamsSavesTheImageUnderItsOwnExtension_AndExitsZero()
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { DemoTokenDelay = TimeSpan.Zero });
        using var replicate = new ReplicateClient(new ReplicateClientOptions
        {
            ApiToken = emulator.ApiToken,
            BaseAddress = emulator.BaseAddress,
            PollingInterval = TimeSpan.FromMilliseconds(10),
        });
        var folder = Directory.CreateTempSubdirectory("replicate-quickstart-");
        try
        {
            var output = new StringWriter();
            var error = new StringWriter();

            var exitCode = await QuickstartApp.RunAsync(replicate, emulated: true, output, error, folder.FullName, CancellationToken.None);

            Assert.Equal(0, exitCode);
            Assert.Equal(string.Empty, error.ToString());
            var saved = Assert.Single(folder.GetFiles());
            Assert.Equal("quickstart-image.png", saved.Name);
            Assert.Contains("failed: E1000", output.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
