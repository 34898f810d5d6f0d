using System.Globalization;
using Replicate;

namespace BatchSample;

/// <summary>Captions a folder of images with one batch: streamed, rate limited, journaled, with a progress bar.</summary>
public static class Captioner
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".webp", ".gif"];

    /// <summary>Captions every image in <paramref name="folder"/> (in name order) and returns file name → caption.</summary>
    /// <param name="replicate">The client.</param>
    /// <param name="model">The captioning model.</param>
    /// <param name="folder">The images.</param>
    /// <param name="journal">The batch journal: run again with it to resume.</param>
    /// <param name="output">Where the progress bar and the captions go.</param>
    /// <param name="cancellationToken">Stops the batch (running predictions are canceled on the server).</param>
    /// <returns>The captions of the images that succeeded.</returns>
    public static async Task<IReadOnlyDictionary<string, string>> CaptionFolderAsync(
        ReplicateClient replicate, string model, string folder, string journal, TextWriter output, CancellationToken cancellationToken)
    {
        // Names only (cheap); each file is read when the batch gets to it, so a folder of 100,000 images costs no memory.
        var files = Directory.EnumerateFiles(folder)
            .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
        var captions = new Dictionary<string, string>(StringComparer.Ordinal);
        var bar = new ProgressBar(output);
        var options = new BatchOptions
        {
            MaxConcurrency = 8,
            JournalPath = journal,
            TotalCount = files.Count,
            Progress = bar,
            // Small images are sent inline as data: URIs; larger ones are uploaded through the Files API.
            Prediction = new PredictionOptions { FileEncodingStrategy = FileEncodingStrategy.Auto },
        };

        await foreach (var result in replicate.RunBatchAsync(model, files.Select(f => (object?)new { image = new FileInfo(f) }), options, cancellationToken))
        {
            var name = Path.GetFileName(files[(int)result.Index]);
            if (result.Succeeded)
            {
                captions[name] = result.Output!.ToString();
                bar.Line($"{name}: {captions[name]}{(result.FromJournal ? "  (from the journal)" : string.Empty)}");
            }
            else
            {
                bar.Line($"{name}: FAILED {result.Error!.Message}");
            }
        }

        bar.Finish();
        return captions;
    }

    /// <summary>Draws <paramref name="count"/> demo images with the emulator's image model (one batch), unless the folder has them.</summary>
    /// <param name="replicate">A client of the emulator.</param>
    /// <param name="folder">Where the images go.</param>
    /// <param name="count">How many.</param>
    /// <param name="cancellationToken">Stops drawing.</param>
    /// <returns>A task that completes when the images are saved.</returns>
    public static async Task DrawDemoImagesAsync(ReplicateClient replicate, string folder, int count, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var prompts = Enumerable.Range(0, count).Select(i => (object?)new { prompt = $"demo image {i}", seed = i });
        await foreach (var result in replicate.RunBatchAsync("black-forest-labs/flux-schnell", prompts, new BatchOptions { MaxConcurrency = 8 }, cancellationToken))
        {
            var path = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"image-{result.Index:000}.png"));
            if (result.Succeeded && !File.Exists(path))
            {
                await result.Output!.AsFiles()[0].SaveAsync(path, cancellationToken);
            }
        }
    }

    /// <summary>
    /// A one-line progress bar on <see cref="BatchProgress"/>: done/total, failed, running, creates a second and time
    /// left. Redrawn in place on a terminal; on redirected output, printed only every 10%.
    /// </summary>
    private sealed class ProgressBar(TextWriter output) : IProgress<BatchProgress>
    {
        private readonly object _gate = new();
        private readonly bool _interactive = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        private string _current = string.Empty;
        private long _lastDecile = -1;

        public void Report(BatchProgress value)
        {
            var total = value.Total ?? 0;
            var fraction = total == 0 ? 0 : (double)value.Completed / total;
            var filled = (int)(fraction * 30);
            var text = string.Create(CultureInfo.InvariantCulture,
                $"[{new string('#', filled)}{new string('.', 30 - filled)}] {value.Completed}/{total} done, {value.Failed} failed, " +
                $"{value.InFlight} running, {value.CreatesPerSecond:0.0}/s{(value.EstimatedRemaining is { } eta ? $", {eta:mm\\:ss} left" : string.Empty)}");
            lock (_gate)
            {
                _current = text;
                if (_interactive)
                {
                    output.Write("\r" + text + "\u001b[K");
                }
                else if ((long)(fraction * 10) is var decile && decile > _lastDecile)
                {
                    _lastDecile = decile;
                    output.WriteLine(text);
                }
            }
        }

        public void Line(string text)
        {
            lock (_gate)
            {
                output.WriteLine(_interactive ? "\r" + text + "\u001b[K" : text);
                if (_interactive)
                {
                    output.Write(_current);
                }
            }
        }

        public void Finish()
        {
            lock (_gate)
            {
                if (_interactive)
                {
                    output.WriteLine();
                }
            }
        }
    }
}
