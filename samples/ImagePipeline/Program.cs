// Image pipeline: generate an image, feed the file into an upscaler as its input, save the result, and show progress.
// With REPLICATE_API_TOKEN set it calls the real API (FLUX schnell, then Real-ESRGAN); without it, it starts the
// embedded ReplicateEmulator and registers a stand-in upscaler on it.
using ImagePipeline;
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
if (emulator is not null)
{
    EmulatedUpscaler.Register(emulator, stepDelay: TimeSpan.FromMilliseconds(400));
}

using var replicate = emulator is null
    ? new ReplicateClient()
    : new ReplicateClient(new ReplicateClientOptions { ApiToken = emulator.ApiToken, BaseAddress = emulator.BaseAddress, PollingInterval = TimeSpan.FromMilliseconds(200) });
Console.WriteLine(emulator is null
    ? "Using the Replicate API (REPLICATE_API_TOKEN is set)."
    : $"REPLICATE_API_TOKEN is not set: using the embedded emulator at {emulator.BaseAddress}.");

var prompt = args.Length > 0 ? string.Join(' ', args) : "a lighthouse at dusk, watercolor";
try
{
    await Pipeline.RunAsync(replicate, emulator is null ? PipelineModels.Replicate : PipelineModels.Emulator, prompt, "pipeline-upscaled.png", Console.Out, cancel.Token);
    return 0;
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.Error.WriteLine("Canceled (the running prediction was canceled on the server too).");
    return 130;
}
catch (ReplicateException ex)
{
    Console.Error.WriteLine($"Failed: {ex.Message}");
    return 1;
}
