using Microsoft.Playwright;

namespace Replicate.Samples.Tests;

/// <summary>
/// Headless Chromium driven by Playwright. Playwright's own browser download cannot run here, so this launches the
/// system Chromium (<c>/usr/bin/chromium</c>, or <c>CHROMIUM_PATH</c>) with a fresh profile that is deleted afterwards.
/// </summary>
internal sealed class Chromium : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly DirectoryInfo _profile;

    private Chromium(IPlaywright playwright, IBrowserContext context, DirectoryInfo profile)
    {
        _playwright = playwright;
        Context = context;
        _profile = profile;
    }

    public IBrowserContext Context { get; }

    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static async Task<Chromium> LaunchAsync()
    {
        // Reached without Chromium only with CI=true (see ChromiumFactAttribute): fail, not skip, so CI cannot stay green
        // without ever checking the page.
        if (!File.Exists(ExecutablePath))
        {
            Assert.Fail(
                $"Chromium was not found at {ExecutablePath}. This end-to-end test drives the system Chromium: install it with " +
                "`apt-get install chromium` (Debian; .ci/run does this itself when apt-get is available), or set CHROMIUM_PATH to a Chromium binary.");
        }

        var playwright = await Playwright.CreateAsync();
        var profile = Directory.CreateTempSubdirectory("replicate-samples-chromium-");
        try
        {
            var context = await playwright.Chromium.LaunchPersistentContextAsync(profile.FullName, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Timeout = 30_000,
                // Nothing but the sample on 127.0.0.1 may be contacted: no proxy, no update, sync or background traffic.
                Args =
                [
                    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-proxy-server", "--disable-dev-shm-usage",
                ],
            });
            // Generous but bounded: a CI machine with two cores also runs the other test assemblies meanwhile.
            context.SetDefaultTimeout(15_000);
            Assertions.SetDefaultExpectTimeout(15_000);
            return new Chromium(playwright, context, profile);
        }
        catch
        {
            playwright.Dispose();
            profile.Delete(recursive: true);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
        _playwright.Dispose();
        try
        {
            _profile.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is not worth failing a test over.
        }
    }
}
