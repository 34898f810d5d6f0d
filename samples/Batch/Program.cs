// Batch: captions every image in a folder at the account's rate limit, with a progress bar and a journal, so that
// Ctrl+C (or a crash) and running it again picks up where it stopped and pays for nothing twice.
// With REPLICATE_API_TOKEN set it calls the real API with the captioning model you name (--model owner/name:version,
// any model whose input is `image` and whose output is text); without it, it starts the embedded
// ReplicateEmulator, registers a stand-in captioner, and (when no folder is given) draws a folder of demo images.
using BatchSample;
using Replicate;
using Replicate.Testing;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;       // keep the process alive: the batch cancels its running predictions on the server
    cancel.Cancel();
};

var token = Environment.GetEnvironmentVariable("REPLICATE_API_TOKEN");
await using var emulator = string.IsNullOrWhiteSpace(token) ? await ReplicateEmulator.StartAsync(cancellationToken: cancel.Token) : null;
if (emulator is not null)
{
    EmulatedCaptioner.Register(emulator);
}

using var replicate = emulator is null
    ? new ReplicateClient()
    : new ReplicateClient(new ReplicateClientOptions { ApiToken = emulator.ApiToken, BaseAddress = emulator.BaseAddress });
Console.WriteLine(emulator is null
    ? "Using the Replicate API (REPLICATE_API_TOKEN is set)."
    : $"REPLICATE_API_TOKEN is not set: using the embedded emulator at {emulator.BaseAddress}.");

var positional = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (i == 0 || args[i - 1] != "--model")).ToList();
var model = args.SkipWhile(a => a != "--model").Skip(1).FirstOrDefault() ?? (emulator is null ? null : EmulatedCaptioner.Model);
if (model is null)
{
    Console.Error.WriteLine("Usage: dotnet run --project samples/Batch -- <folder of images> --model <owner/name:version of a captioning model>");
    return 2;
}

try
{
    string folder;
    if (positional.Count > 0)
    {
        folder = positional[0];
    }
    else if (emulator is not null)
    {
        folder = Path.Combine(Path.GetTempPath(), "replicate-batch-sample");
        Console.WriteLine($"No folder given: drawing 40 demo images into {folder} (the emulator's image model, as a batch too).");
        await Captioner.DrawDemoImagesAsync(replicate, folder, 40, cancel.Token);
    }
    else
    {
        Console.Error.WriteLine("Usage: dotnet run --project samples/Batch -- <folder of images>");
        return 2;
    }

    var journal = Path.Combine(folder, ".captions.journal.jsonl");
    var captions = await Captioner.CaptionFolderAsync(replicate, model, folder, journal, Console.Out, cancel.Token);
    Console.WriteLine($"{captions.Count} captions; the journal is {journal} (run again: everything comes from it, nothing is paid twice).");
    return 0;
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.Error.WriteLine();
    Console.Error.WriteLine("Canceled; running predictions were canceled on the server. Run again to resume from the journal.");
    return 130;
}
catch (ReplicateException ex)
{
    Console.Error.WriteLine($"Failed: {ex.Message}");
    return 1;
}
