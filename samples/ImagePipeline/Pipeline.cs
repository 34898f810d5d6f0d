using Replicate;

namespace ImagePipeline;

/// <summary>The models the pipeline chains: one that draws an image from a prompt, one that upscales an image.</summary>
/// <param name="Generator">The text-to-image model.</param>
/// <param name="Upscaler">The image-to-image model; it must take <c>image</c> and <c>scale</c>.</param>
public sealed record PipelineModels(string Generator, string Upscaler)
{
    /// <summary>Real models. Real-ESRGAN is a community model, so it runs by version.</summary>
    public static PipelineModels Replicate { get; } = new(
        "black-forest-labs/flux-schnell",
        "nightmareai/real-esrgan:f121d640bd286e1fdc67f9799164c1d5be36ff74576ee11c803ae5b665dd46aa");

    /// <summary>The emulator's image model and <see cref="EmulatedUpscaler"/>.</summary>
    public static PipelineModels Emulator { get; } = new("black-forest-labs/flux-schnell", EmulatedUpscaler.Model);
}

/// <summary>Generates an image, feeds the file straight into an upscaler, and saves the result.</summary>
public static class Pipeline
{
    /// <summary>Runs the pipeline.</summary>
    /// <param name="replicate">The client.</param>
    /// <param name="models">The two models.</param>
    /// <param name="prompt">What to draw.</param>
    /// <param name="outputPath">Where to save the upscaled image.</param>
    /// <param name="log">Where progress goes.</param>
    /// <param name="cancellationToken">Stops the pipeline and cancels the running prediction.</param>
    /// <returns>The full path of the saved image.</returns>
    public static async Task<string> RunAsync(ReplicateClient replicate, PipelineModels models, string prompt, string outputPath, TextWriter log, CancellationToken cancellationToken = default)
    {
        log.WriteLine($"1/3 {models.Generator}: \"{prompt}\"");
        var generated = await replicate.RunAsync(
            models.Generator,
            new { prompt, aspect_ratio = "1:1", output_format = "png" },
            progress: new ProgressLog(log, models.Generator),
            cancellationToken: cancellationToken);
        var image = generated.AsFiles()[0];
        log.WriteLine($"    -> {image}");

        // The FileOutput goes in as the next model's input: the SDK sends its URL, so the image is never downloaded here.
        log.WriteLine($"2/3 {models.Upscaler}: upscaling 2x");
        var upscaled = await replicate.RunAsync(
            models.Upscaler,
            new { image, scale = 2 },
            // Without sync mode the SDK polls from the start, and every poll reports the model's progress bar.
            new PredictionOptions { Wait = TimeSpan.Zero },
            new ProgressLog(log, models.Upscaler),
            cancellationToken);

        var path = Path.GetFullPath(outputPath);
        await upscaled.AsFile().SaveAsync(path, cancellationToken);
        log.WriteLine($"3/3 saved {new FileInfo(path).Length:N0} bytes to {path}");
        return path;
    }

    /// <summary>
    /// Writes a line whenever the status or percentage changes. Reports synchronously, unlike <see cref="Progress{T}"/>,
    /// which posts to the thread pool and could print after the step it belongs to has finished.
    /// </summary>
    private sealed class ProgressLog(TextWriter log, string model) : IProgress<Prediction>
    {
        private string? _last;

        public void Report(Prediction value)
        {
            var line = $"    {model}: {value.Status}" + (value.Progress is { } p ? $" {p.Percentage:P0} ({p.Current}/{p.Total})" : string.Empty);
            if (line != _last)
            {
                _last = line;
                log.WriteLine(line);
            }
        }
    }
}
