// Webhook receiver: verifies Replicate's signed webhook deliveries and records completed predictions idempotently.
// With REPLICATE_API_TOKEN set it uses the real API (set Webhooks:PublicBaseUrl to an HTTPS address that reaches this
// app); without it, it starts the embedded ReplicateEmulator on 127.0.0.1, which delivers signed webhooks to loopback.
using Replicate.Testing;
using Webhooks;

var useEmulator = string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("REPLICATE_API_TOKEN"));
await using var emulator = useEmulator ? await ReplicateEmulator.StartAsync() : null;
var app = WebhooksApp.Build(args, options =>
{
    options.ApiToken = emulator?.ApiToken ?? options.ApiToken;
    options.BaseAddress = emulator?.BaseAddress ?? options.BaseAddress;
});

await app.StartAsync();
Console.WriteLine(useEmulator
    ? $"REPLICATE_API_TOKEN is not set: the embedded emulator at {emulator!.BaseAddress} signs and delivers the webhooks."
    : "Using the Replicate API (REPLICATE_API_TOKEN is set).");
foreach (var url in app.Urls)
{
    Console.WriteLine($"Receiving webhooks at {url}{WebhooksApp.WebhookPath}; completed predictions at {url}/predictions.");
}

await app.WaitForShutdownAsync();
