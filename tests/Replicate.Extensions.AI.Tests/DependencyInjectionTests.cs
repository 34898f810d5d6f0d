using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Replicate.Testing;

namespace Replicate.Extensions.AI.Tests;

public class DependencyInjectionTests
{
    [Fact]
    public async Task AddReplicateChatClient_UsesTheClientFromAddReplicate_AndComposesMiddleware()
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { DemoTokenDelay = TimeSpan.Zero });
        var services = new ServiceCollection();
        services.AddReplicate(o =>
        {
            o.ApiToken = emulator.ApiToken;
            o.BaseAddress = emulator.BaseAddress;
            o.PollingInterval = TimeSpan.FromMilliseconds(10);
        });
        var calls = new List<string>();
        services.AddReplicateChatClient("meta/meta-llama-3-8b-instruct")
            .Use(inner => new Recording(inner, "outer", calls))
            .Use((inner, sp) => new Recording(inner, "inner", calls));
        await using var provider = services.BuildServiceProvider(validateScopes: true);

        var chat = provider.GetRequiredService<IChatClient>();
        var response = await chat.GetResponseAsync("DI", new ChatOptions { MaxOutputTokens = 3 });

        Assert.Equal("You said: DI.", response.Text);
        Assert.Equal(["outer", "inner"], calls);
        Assert.Equal("replicate", chat.GetService<ChatClientMetadata>()?.ProviderName);
        Assert.NotNull(chat.GetService<ReplicateClient>());
        Assert.Same(chat, provider.GetRequiredService<IChatClient>()); // singleton by default
    }

    [Fact]
    public async Task AddReplicateImageGenerator_ResolvesAWorkingGenerator()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        var services = new ServiceCollection();
        services.AddReplicate(o =>
        {
            o.ApiToken = emulator.ApiToken;
            o.BaseAddress = emulator.BaseAddress;
            o.PollingInterval = TimeSpan.FromMilliseconds(10);
        });
        services.AddReplicateImageGenerator("black-forest-labs/flux-schnell", lifetime: ServiceLifetime.Transient);
        await using var provider = services.BuildServiceProvider();

        var response = await provider.GetRequiredService<IImageGenerator>().GenerateAsync(new ImageGenerationRequest("fox"));

        Assert.Equal("image/png", Assert.IsType<DataContent>(Assert.Single(response.Contents)).MediaType);
    }

    [Fact]
    public void WithoutAddReplicate_ResolvingSaysWhatIsMissing()
    {
        var services = new ServiceCollection();
        services.AddReplicateChatClient("meta/meta-llama-3-8b-instruct");
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IChatClient>());

        Assert.Contains("AddReplicate", ex.Message, StringComparison.Ordinal);
    }

    private sealed class Recording(IChatClient inner, string name, List<string> calls) : DelegatingChatClient(inner)
    {
        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            calls.Add(name);
            return base.GetResponseAsync(messages, options, cancellationToken);
        }
    }
}
