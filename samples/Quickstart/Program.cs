// Quickstart: stream a language model's answer token by token, then generate an image and save it.
// With REPLICATE_API_TOKEN set it calls the real API (and costs what those models cost); without it, it starts the
// embedded ReplicateEmulator on 127.0.0.1 and runs the same code against that. The job itself is QuickstartApp.RunAsync.
using Quickstart;
using Replicate;
using Replicate.Testing;

// Ctrl+C cancels the token instead of killing the process, so the running prediction is canceled on the server too.
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

return await QuickstartApp.RunAsync(replicate, emulated: emulator is not null, Console.Out, Console.Error, Environment.CurrentDirectory, cancel.Token);
