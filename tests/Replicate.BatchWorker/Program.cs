// Runs a batch of `--count` items {"n": i} of `--model` against `--base-url`, and prints one line per result:
// "result <index> <prediction id> <status> <output>". Options: --journal PATH, --concurrency N, --creates-per-minute N,
// --redis HOST:PORT (share a token bucket of --creates-per-minute in Redis under --redis-key), --offset N (first n).
using System.Globalization;
using System.Threading.RateLimiting;
using RedisRateLimiting;
using Replicate;
using StackExchange.Redis;

var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    options[args[i].TrimStart('-')] = args[i + 1];
}

string Arg(string name, string fallback) => options.TryGetValue(name, out var value) ? value : fallback;
int Int(string name, int fallback) => int.Parse(Arg(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

var count = Int("count", 300);
var offset = Int("offset", 0);
var perMinute = Int("creates-per-minute", 60_000);
using var replicate = new ReplicateClient(new ReplicateClientOptions
{
    ApiToken = Arg("token", "r8_emulator"),
    BaseAddress = new Uri(Arg("base-url", "http://127.0.0.1:5000/v1/")),
    PollingInterval = TimeSpan.FromMilliseconds(20),
});

ConnectionMultiplexer? redis = null;
RateLimiter? createLimiter = null;
if (options.TryGetValue("redis", out var endpoint))
{
    redis = await ConnectionMultiplexer.ConnectAsync(endpoint);
    var perTenthSecond = Math.Max(1, perMinute / 600);
    createLimiter = new RedisTokenBucketRateLimiter<string>(Arg("redis-key", "replicate-creates"), new RedisTokenBucketRateLimiterOptions
    {
        ConnectionMultiplexerFactory = () => redis,
        TokenLimit = perTenthSecond,
        TokensPerPeriod = perTenthSecond,
        ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
    });
}

var batch = new BatchOptions
{
    MaxConcurrency = Int("concurrency", 8),
    JournalPath = options.GetValueOrDefault("journal"),
    RateLimits = new RateLimitOptions { CreatesPerMinute = perMinute, RequestsPerMinute = 600_000, CreateLimiter = createLimiter },
};

var inputs = Enumerable.Range(offset, count).Select(n => (object?)new { n });
await foreach (var result in replicate.RunBatchAsync(Arg("model", "acme/slow"), inputs, batch))
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"result {result.Index} {result.Prediction?.Id ?? "-"} {result.Prediction?.Status.Value ?? "-"} {(result.Succeeded ? result.Output!.Json.GetRawText() : "error:" + result.Error!.GetType().Name)}"));
}

redis?.Dispose();
return 0;
