using Microsoft.Extensions.DependencyInjection;
using Replicate.Tests.Infrastructure;
using static Replicate.Tests.Infrastructure.ScriptedApi;

namespace Replicate.Tests;

/// <summary>A disposed client says it is the one that was disposed, also to calls it cut short.</summary>
public class DisposalTests
{
    [Fact]
    public async Task CallsAfterDispose_NameReplicateClient()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var client = new ReplicateClient(new ReplicateClientOptions { ApiToken = h.Emulator.ApiToken, BaseAddress = h.Emulator.BaseAddress });
        client.Dispose();

        var get = await Assert.ThrowsAsync<ObjectDisposedException>(() => client.Predictions.GetAsync("p1"));
        var run = await Assert.ThrowsAsync<ObjectDisposedException>(() => client.RunAsync("replicate/hello-world", new { text = "x" }));

        Assert.Equal(nameof(ReplicateClient), get.ObjectName);
        Assert.Equal(nameof(ReplicateClient), run.ObjectName);
        Assert.Empty(h.Emulator.Requests);
    }

    [Fact]
    public async Task CallsAfterTheServiceProviderIsDisposed_NameReplicateClient()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var services = new ServiceCollection();
        services.AddReplicate(o =>
        {
            o.ApiToken = h.Emulator.ApiToken;
            o.BaseAddress = h.Emulator.BaseAddress;
        });
        var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<ReplicateClient>();
        await client.Predictions.CreateAsync("replicate/hello-world", new { text = "x" });
        provider.Dispose();

        var ex = await Assert.ThrowsAsync<ObjectDisposedException>(() => client.Predictions.GetAsync("p1"));

        Assert.Equal(nameof(ReplicateClient), ex.ObjectName);
    }

    [Fact]
    public async Task DisposingDuringACall_ThrowsObjectDisposed_NotACancellationThatLooksLikeTheCallers()
    {
        using var server = Start();
        using var hang = new Hang();
        server.Given(Api("predictions/p1")).RespondWith(hang.Response());
        var client = Client(server.ApiBase(), new TestClock());

        var get = client.Predictions.GetAsync("p1");
        await hang.Arrived.WaitAsync(TimeSpan.FromSeconds(10));
        client.Dispose();

        var ex = await Assert.ThrowsAsync<ObjectDisposedException>(() => get.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(nameof(ReplicateClient), ex.ObjectName);
    }
}
