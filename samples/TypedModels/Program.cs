// Typed models: the schema files in models/ become C# types at build time (FluxSchnell, Llama3), so a typo in an input
// name does not compile and a value the schema forbids is refused before anything is sent or paid for.
// Without REPLICATE_API_TOKEN it runs against the embedded emulator, which serves the same two schemas.
using Replicate;
using Replicate.Testing;
using TypedModels;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

await using var emulator = string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("REPLICATE_API_TOKEN"))
    ? await ReplicateEmulator.StartAsync(cancellationToken: cancel.Token)
    : null;
if (emulator is not null)
{
    emulator.AddModelFromSchemaFile(Path.Combine(AppContext.BaseDirectory, "models", "flux-schnell.json"), (input, ctx) =>
        Task.FromResult<object?>(new[] { ctx.AddFile("out-0.webp", "RIFF....WEBP"u8.ToArray(), "image/webp") }));
    emulator.AddModelFromSchemaFile(Path.Combine(AppContext.BaseDirectory, "models", "llama3.json"), (input, ctx) =>
    {
        foreach (var word in "Typed inputs, typed outputs, tokens as they come.".Split(' '))
        {
            ctx.Output(word + " ");
        }

        return Task.FromResult<object?>(null);
    });
}

using var replicate = emulator is null
    ? new ReplicateClient()
    : new ReplicateClient(new ReplicateClientOptions { ApiToken = emulator.ApiToken, BaseAddress = emulator.BaseAddress });

try
{
    // A typed run: the output is the schema's type, here a list of files.
    IReadOnlyList<FileOutput> images = await replicate.RunAsync(FluxSchnell.Model, new FluxSchnell.Input
    {
        Prompt = "a lighthouse at dusk",
        AspectRatio = FluxSchnell.AspectRatio._16x9,
        NumOutputs = 1,
    }, cancellationToken: cancel.Token);
    Console.WriteLine($"image: {images[0].Uri}");

    // A typed token stream.
    await foreach (var token in replicate.StreamTextAsync(Llama3.Model, new Llama3.Input { Prompt = "Say something short.", MaxTokens = 32 }, cancellationToken: cancel.Token))
    {
        Console.Write(token);
    }

    Console.WriteLine();

    // A bad input never leaves the machine.
    try
    {
        await replicate.RunAsync(FluxSchnell.Model, new FluxSchnell.Input { Prompt = "fox", NumOutputs = 9 }, cancellationToken: cancel.Token);
    }
    catch (InputValidationException ex)
    {
        Console.WriteLine($"refused before sending: {ex.Violations[0].Message}");
    }

    return 0;
}
catch (Exception ex) when (ex is ReplicateException or HttpRequestException or TimeoutException or OperationCanceledException)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 1;
}
