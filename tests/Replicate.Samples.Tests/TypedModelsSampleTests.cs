using System.Diagnostics;

namespace Replicate.Samples.Tests;

public class TypedModelsSampleTests
{
    [Fact]
    public async Task TheSample_RunsTypedCallsOnTheEmulator_AndShowsABadInputRefusedBeforeSending()
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "TypedModels.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment.Remove("REPLICATE_API_TOKEN");
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        Assert.True(process.ExitCode == 0, await error);
        var text = await output;
        Assert.Contains("image: http://127.0.0.1:", text, StringComparison.Ordinal);
        Assert.Contains("Typed inputs, typed outputs, tokens as they come.", text, StringComparison.Ordinal);
        Assert.Contains("refused before sending: num_outputs = 9 is above the maximum 4", text, StringComparison.Ordinal);
    }
}
