using Replicate;

namespace Quickstart;

/// <summary>The Quickstart's job, apart from choosing the API or the emulator, so it can be run against any client.</summary>
public static class QuickstartApp
{
    /// <summary>Streams a language model, saves a generated image, shows a failing model; returns the exit code.</summary>
    /// <param name="replicate">The client, for the real API or the emulator.</param>
    /// <param name="emulated">Whether it talks to the emulator (which adds the failing-model demo).</param>
    /// <param name="output">Where results go (the console).</param>
    /// <param name="error">Where problems go: one line each, never a stack trace.</param>
    /// <param name="folder">Where the image is saved.</param>
    /// <param name="cancellationToken">Ctrl+C: stops, and cancels any running prediction on the server.</param>
    /// <returns>0 on success, 1 when something failed, 130 when canceled.</returns>
    public static async Task<int> RunAsync(ReplicateClient replicate, bool emulated, TextWriter output, TextWriter error, string folder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(replicate);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            // 1. Stream tokens as the model produces them. Write(e) prints output text and nothing else.
            const string languageModel = "meta/meta-llama-3-8b-instruct";
            await output.WriteLineAsync($"> {languageModel}: Write a haiku about async streams.");
            await foreach (var e in replicate.StreamAsync(languageModel, new { prompt = "Write a haiku about async streams.", max_tokens = 64 }, cancellationToken: cancellationToken))
            {
                await output.WriteAsync(e.ToString());
            }

            await output.WriteLineAsync();
            await output.WriteLineAsync();

            // 2. Run an image model, report progress from its logs, and save the file it returns (streamed to disk).
            const string imageModel = "black-forest-labs/flux-schnell";
            await output.WriteLineAsync($"> {imageModel}: a lighthouse at dusk, watercolor");
            var progress = new Progress<Prediction>(p => output.Write($"\r  {p.Status,-10} {(p.Progress is { } pr ? $"{pr.Percentage:P0} ({pr.Current}/{pr.Total})" : string.Empty),-20}"));
            var image = await replicate.RunAsync(imageModel, new { prompt = "a lighthouse at dusk, watercolor", aspect_ratio = "16:9" }, progress: progress, cancellationToken: cancellationToken);
            var file = image.AsFiles()[0];

            // The file's own extension: Replicate serves .webp by default, the emulator .png.
            var extension = Path.GetExtension(file.Uri.AbsolutePath) is { Length: > 0 } ext ? ext : ".png";
            var path = Path.GetFullPath(Path.Combine(folder, "quickstart-image" + extension));
            await file.SaveAsync(path, cancellationToken);
            await output.WriteLineAsync();
            await output.WriteLineAsync($"  saved {new FileInfo(path).Length:N0} bytes to {path}");
            await output.WriteLineAsync($"  prediction {image.Prediction.Id}, model time {image.Prediction.Metrics?.PredictTime?.TotalSeconds:0.###} s");
            await output.WriteLineAsync();

            // 3. A model that fails: the exception carries the prediction, its error and its logs.
            if (emulated)
            {
                await output.WriteLineAsync("> replicate/failing-model (an emulator model that always fails)");
                try
                {
                    await replicate.RunAsync("replicate/failing-model", new { }, cancellationToken: cancellationToken);
                }
                catch (PredictionFailedException ex)
                {
                    await output.WriteLineAsync($"  {ex.Status}: {ex.Error}");
                    await output.WriteLineAsync($"  last log line: {ex.Logs?.TrimEnd().Split('\n')[^1]}");
                }
            }

            await output.WriteLineAsync();
            await output.WriteLineAsync("Done.");
            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("Canceled (any running prediction was canceled on the server too).");
            return 130;
        }
        catch (ReplicateApiException ex)
        {
            await error.WriteLineAsync(OneLine("The API refused a request: " + ex.Message));
            return 1;
        }
        catch (Exception ex) when (ex is ReplicateException or HttpRequestException or TimeoutException or IOException)
        {
            // The network is down, a model failed, a file could not be written: say what, in one line, and exit non-zero.
            await error.WriteLineAsync(OneLine("Failed: " + ex.Message));
            return 1;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
