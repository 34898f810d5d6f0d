// Streaming chat: a web page that shows a language model's answer token by token.
// With REPLICATE_API_TOKEN set it calls the real API; without it, it starts the embedded ReplicateEmulator on 127.0.0.1.
using Replicate.Testing;
using StreamingChat;

var token = Environment.GetEnvironmentVariable("REPLICATE_API_TOKEN");
await using var emulator = string.IsNullOrWhiteSpace(token) ? await ReplicateEmulator.StartAsync() : null;

var app = StreamingChatApp.Build(args, options =>
{
    if (emulator is not null)
    {
        options.ApiToken = emulator.ApiToken;
        options.BaseAddress = emulator.BaseAddress;
    }
});

app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine(
    (emulator is null
        ? "Using the Replicate API (REPLICATE_API_TOKEN is set)."
        : $"REPLICATE_API_TOKEN is not set: using the embedded emulator at {emulator.BaseAddress}.")
    + $" Open {string.Join(" or ", app.Urls)} in a browser."));

await app.RunAsync();
