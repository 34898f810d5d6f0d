using System.Reflection;

namespace Replicate.Samples.Tests;

public class ChromiumFactTests
{
    [Fact]
    public void WithoutChromium_BrowserTestsAreSkipped_WithTheInstallCommandAsTheReason()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-chromium-{Guid.NewGuid():N}");

        Assert.Contains("apt-get install chromium", ChromiumFactAttribute.SkipReason(missing, ci: null), StringComparison.Ordinal);
        Assert.Contains("CHROMIUM_PATH", ChromiumFactAttribute.SkipReason(missing, ci: "false"), StringComparison.Ordinal);
    }

    [Fact]
    public void OnCI_OrWithChromium_BrowserTestsRun()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-chromium-{Guid.NewGuid():N}");
        var present = typeof(ChromiumFactTests).Assembly.Location;

        // CI=true: run, so a missing browser fails with Chromium.LaunchAsync's install hint instead of passing unseen.
        Assert.Null(ChromiumFactAttribute.SkipReason(missing, ci: "true"));
        Assert.Null(ChromiumFactAttribute.SkipReason(present, ci: null));
    }

    [Fact]
    public void EveryTestThatLaunchesChromium_IsAChromiumFact()
    {
        string[] browserTests = [nameof(StreamingChatTests.ThePage_ShowsTokensAsTheyArrive_ThenTheWholeAnswer), nameof(StreamingChatTests.ThePage_ShowsTheErrorOfAFailingModel)];

        foreach (var name in browserTests)
        {
            var method = typeof(StreamingChatTests).GetMethod(name)!;
            var fact = Assert.IsType<ChromiumFactAttribute>(method.GetCustomAttribute<FactAttribute>());
            Assert.Equal(ChromiumFactAttribute.SkipReason(Chromium.ExecutablePath, Environment.GetEnvironmentVariable("CI")), fact.Skip);
        }
    }
}
