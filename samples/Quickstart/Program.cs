// Quickstart: stream a language model's answer token by token, then generate an image and save it.
// With REPLICATE_API_TOKEN set it calls the real API (and costs what those models cost); without it, it starts the
// embedded ReplicateEmulator on 127.0.0.1 and runs the same code against that.
using Replicate;
using Replicate.Testing;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var token = Environment.GetEnvironmentVariable("REPLICATE_API_TOKEN");
await using var emulator = string.IsNullOrWhiteSpace(token) ? await ReplicateEmulator.StartAsync(cancellationToken: cancel.Token) : null;
using var replicate = emulator is null
    ? new ReplicateClient()
    : new ReplicateClient(new ReplicateClientOptions { ApiToken = emulator.ApiToken, BaseAddress = emulator.BaseAddress });

Console.WriteLine(emulator is null
    ? $"Using the Replicate API at {replicate.BaseAddress} (REPLICATE_API_TOKEN is set)."
    : $"REPLICATE_API_TOKEN is not set: using the embedded emulator at {emulator.BaseAddress}. Set the token to call the real API.");
Console.WriteLine();

try
{
    // 1. Stream tokens as the model produces them. Console.Write(e) prints output text and nothing else.
    const string languageModel = "meta/meta-llama-3-8b-instruct";
    Console.WriteLine($"> {languageModel}: Write a haiku about async streams.");
    await foreach (var e in replicate.StreamAsync(languageModel, new { prompt = "Write a haiku about async streams.", max_tokens = 64 }, cancellationToken: cancel.Token))
    {
        Console.Write(e);
    }

    Console.WriteLine();
    Console.WriteLine();

    // 2. Run an image model, report progress from its logs, and save the file it returns (streamed to disk).
    const string imageModel = "black-forest-labs/flux-schnell";
    Console.WriteLine($"> {imageModel}: a lighthouse at dusk, watercolor");
    var progress = new Progress<Prediction>(p => Console.Write($"\r  {p.Status,-10} {(p.Progress is { } pr ? $"{pr.Percentage:P0} ({pr.Current}/{pr.Total})" : string.Empty),-20}"));
    var image = await replicate.RunAsync(imageModel, new { prompt = "a lighthouse at dusk, watercolor", aspect_ratio = "16:9" }, progress: progress, cancellationToken: cancel.Token);
    var file = image.AsFiles()[0];
    var extension = Path.GetExtension(file.Uri.AbsolutePath) is { Length: > 0 } ext ? ext : ".png";
    var path = Path.GetFullPath("quickstart-image" + extension);
    await file.SaveAsync(path, cancel.Token);
    Console.WriteLine();
    Console.WriteLine($"  saved {new FileInfo(path).Length:N0} bytes to {path}");
    Console.WriteLine($"  prediction {image.Prediction.Id}, model time {image.Prediction.Metrics?.PredictTime?.TotalSeconds:0.###} s");
    Console.WriteLine();

    // 3. A model that fails: the exception carries the prediction, its error and its logs.
    if (emulator is not null)
    {
        Console.WriteLine("> replicate/failing-model (an emulator model that always fails)");
        try
        {
            await replicate.RunAsync("replicate/failing-model", new { }, cancellationToken: cancel.Token);
        }
        catch (PredictionFailedException ex)
        {
            Console.WriteLine($"  {ex.Status}: {ex.Error}");
            Console.WriteLine($"  last log line: {ex.Logs?.TrimEnd().Split('\n')[^1]}");
        }
    }

    Console.WriteLine();
    Console.WriteLine("Done.");
    return 0;
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.Error.WriteLine("Canceled (any running prediction was canceled on the server too).");
    return 130;
}
catch (ReplicateApiException ex)
{
    Console.Error.WriteLine($"The API refused a request: {ex.Message}");
    return 1;
}
