using System.Globalization;
using System.Text.Json;
using Replicate.Testing;

namespace ImagePipeline;

/// <summary>
/// A stand-in for an upscaler, registered on the emulator when there is no API token: it downloads the <c>image</c> URL
/// it is given (as a real model does), scales the PNG up by <c>scale</c> with nearest-neighbour sampling, prints a
/// tqdm-style progress bar while it works, and returns the new PNG as an output file.
/// </summary>
public static class EmulatedUpscaler
{
    /// <summary>The model name it is registered under.</summary>
    public const string Model = "acme/upscale";

    private const int Steps = 4;

    // One client for every prediction: the emulator's file URLs are all on one loopback host.
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Registers the model.</summary>
    /// <param name="emulator">The emulator.</param>
    /// <param name="stepDelay">How long each of the four progress steps takes, so that progress can be watched.</param>
    public static void Register(ReplicateEmulator emulator, TimeSpan stepDelay) =>
        emulator.AddModel(Model, async (input, context) =>
        {
            var url = input.GetProperty("image").GetString();
            var scale = input.TryGetProperty("scale", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt32() : 2;
            if (scale is < 1 or > 4 || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new ModelFailedException("image must be an http(s) URL and scale between 1 and 4");
            }

            var source = Png.Decode(await Http.GetByteArrayAsync(uri, context.CancellationToken));
            context.Log($"Upscaling {source.Width}x{source.Height} by {scale}");
            for (var step = 1; step <= Steps; step++)
            {
                await context.DelayAsync(stepDelay);
                context.Log(string.Create(CultureInfo.InvariantCulture, $"{step * 100 / Steps,3}%|{new string('#', step * 10 / Steps),-10}| {step}/{Steps}"));
            }

            return context.AddFile("upscaled.png", Png.Encode(Png.Scale(source, scale)), "image/png");
        });
}
