// A Native AOT app on typed models: no reflection anywhere on the path from input to output. It reads
// REPLICATE_API_TOKEN (and REPLICATE_BASE_URL, which the tests point at an emulator) like any client.
using NativeAot;
using Replicate;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

try
{
    using var replicate = new ReplicateClient();
    IReadOnlyList<FileOutput> images = await replicate.RunAsync(FluxSchnell.Model, new FluxSchnell.Input
    {
        Prompt = "a lighthouse at dusk",
        AspectRatio = FluxSchnell.AspectRatio._16x9,
    }, cancellationToken: cancel.Token);
    var bytes = await images[0].ReadAllBytesAsync(cancel.Token);
    Console.WriteLine($"image: {images[0].Uri} ({bytes.Length} bytes)");

    Console.Write("text: ");
    await foreach (var token in replicate.StreamTextAsync(Llama3.Model, new Llama3.Input { Prompt = "Say hi.", MaxTokens = 16 }, cancellationToken: cancel.Token))
    {
        Console.Write(token);
    }

    Console.WriteLine();
    return 0;
}
catch (Exception ex) when (ex is ReplicateException or HttpRequestException or TimeoutException or OperationCanceledException or ArgumentException)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 1;
}
