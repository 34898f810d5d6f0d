using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Replicate.Testing;
using Replicate.Tests.Infrastructure;

namespace Replicate.Tests;

public class DependencyInjectionTests
{
    [Fact]
    public async Task AddReplicate_ResolvesAWorkingClient_ThroughIHttpClientFactory()
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { DemoTokenDelay = TimeSpan.Zero });
        var services = new ServiceCollection();
        var builder = services.AddReplicate(o =>
        {
            o.ApiToken = emulator.ApiToken;
            o.BaseAddress = emulator.BaseAddress;
        });
        using var provider = services.BuildServiceProvider(validateScopes: true);

        var client = provider.GetRequiredService<ReplicateClient>();
        var output = await client.RunAsync("replicate/hello-world", new { text = "DI" });

        Assert.Equal("hello DI", output.AsString());
        Assert.Equal("Replicate", builder.Name);
    }

    [Fact]
    public async Task AddReplicate_FromConfiguration()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Replicate:ApiToken"] = emulator.ApiToken,
            ["Replicate:BaseAddress"] = emulator.BaseAddress.ToString(),
            ["Replicate:MaxRetries"] = "1",
            ["Replicate:PollingInterval"] = "00:00:00.010",
            ["Replicate:Wait"] = "00:00:05",
        }).Build();
        var services = new ServiceCollection();
        services.AddReplicate(configuration.GetSection(ReplicateServiceCollectionExtensions.ConfigurationSection));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptionsMonitor<ReplicateClientOptions>>().CurrentValue;
        Assert.Equal(1, options.MaxRetries);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Wait);

        var output = await provider.GetRequiredService<ReplicateClient>().RunAsync("replicate/hello-world", new { text = "config" });
        Assert.Equal("hello config", output.AsString());
        Assert.Equal("wait=5", Assert.Single(emulator.Requests, r => r.Method == "POST").Headers["Prefer"]);
    }

    [Fact]
    public void MissingToken_FailsValidation_NamingWhereToSetIt()
    {
        if (Environment.GetEnvironmentVariable("REPLICATE_API_TOKEN") is not null)
        {
            return; // the environment supplies a token on this machine
        }

        var services = new ServiceCollection();
        services.AddReplicate();
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<ReplicateClient>());
        Assert.Contains("Replicate:ApiToken", ex.Message, StringComparison.Ordinal);
        Assert.Contains("REPLICATE_API_TOKEN", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NamedClients_ForSeveralAccounts()
    {
        await using var a = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { ApiToken = "r8_account_a" });
        await using var b = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { ApiToken = "r8_account_b" });
        var services = new ServiceCollection();
        services.AddReplicate("a", o => { o.ApiToken = "r8_account_a"; o.BaseAddress = a.BaseAddress; });
        services.AddReplicate("b", o => { o.ApiToken = "r8_account_b"; o.BaseAddress = b.BaseAddress; });
        using var provider = services.BuildServiceProvider();

        await provider.GetRequiredKeyedService<ReplicateClient>("a").RunAsync("replicate/hello-world", new { text = "1" });
        await provider.GetRequiredKeyedService<ReplicateClient>("b").RunAsync("replicate/hello-world", new { text = "2" });

        Assert.True(Assert.Single(a.Requests).CarriesToken("r8_account_a"));
        Assert.True(Assert.Single(b.Requests).CarriesToken("r8_account_b"));
        Assert.Null(provider.GetService<ReplicateClient>());
    }

    [Fact]
    public async Task RetriesAreAttachedOnce_EvenWhenAddReplicateIsCalledTwice()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        emulator.Faults.Add(new EmulatorFault { Method = "GET", PathPrefix = "/v1/predictions/", StatusCode = 503, Times = 1000 });
        var clock = new TestClock();
        var services = new ServiceCollection();
        services.AddReplicate(o => { o.ApiToken = emulator.ApiToken; o.BaseAddress = emulator.BaseAddress; o.MaxRetries = 2; o.TimeProvider = clock; });
        services.AddReplicate(o => o.UserAgentSuffix = "twice/1.0");
        using var provider = services.BuildServiceProvider();

        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => clock.RunAsync(provider.GetRequiredService<ReplicateClient>().Predictions.GetAsync("x")));

        Assert.Equal(3, emulator.Requests.Count);
        Assert.Equal(3, ex.Attempts);
        Assert.EndsWith("twice/1.0", emulator.Requests[0].Headers["User-Agent"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheBuilderComposes_WithTheUsersOwnHandlers()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        var counter = new CountingHandler();
        var services = new ServiceCollection();
        services.AddReplicate(o => { o.ApiToken = emulator.ApiToken; o.BaseAddress = emulator.BaseAddress; })
            .AddHttpMessageHandler(() => counter);
        using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<ReplicateClient>().RunAsync("replicate/hello-world", new { text = "x" });

        Assert.Equal(1, counter.Count);
    }

    [Fact]
    public async Task Logging_CoversRequestsAndStatus_AndNeverTheToken()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        emulator.Faults.Add(new EmulatorFault { Method = "GET", PathPrefix = "/v1/predictions/", StatusCode = 503, Times = 1 });
        var sink = new ListLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(sink).SetMinimumLevel(LogLevel.Trace));
        services.AddReplicate(o => { o.ApiToken = emulator.ApiToken; o.BaseAddress = emulator.BaseAddress; o.Wait = TimeSpan.Zero; o.PollingInterval = TimeSpan.FromMilliseconds(5); });
        using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<ReplicateClient>().RunAsync("replicate/hello-world", new { text = "x" });

        var replicateLogs = sink.Entries.Where(e => e.Category == "Replicate").ToList();
        Assert.Contains(replicateLogs, e => e.Level == LogLevel.Debug && e.Message.StartsWith("POST /v1/models/replicate/hello-world/predictions answered 201", StringComparison.Ordinal));
        Assert.Contains(replicateLogs, e => e.Level == LogLevel.Warning && e.Message.StartsWith("Retrying GET /v1/predictions/", StringComparison.Ordinal) && e.Message.Contains("503", StringComparison.Ordinal));
        Assert.Contains(replicateLogs, e => e.Level == LogLevel.Information && e.Message.EndsWith("is succeeded", StringComparison.Ordinal));
        Assert.All(sink.Entries, e => Assert.DoesNotContain(emulator.ApiToken!, e.Message, StringComparison.Ordinal));
    }

    private sealed class CountingHandler : DelegatingHandler
    {
        public int Count;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Count);
            return base.SendAsync(request, cancellationToken);
        }
    }
}

public sealed class ListLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<(string Category, LogLevel Level, string Message)> _entries = new();

    public IReadOnlyList<(string Category, LogLevel Level, string Message)> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<(string, LogLevel, string)> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Enqueue((category, logLevel, formatter(state, exception) + (exception is null ? string.Empty : " " + exception)));
    }
}
