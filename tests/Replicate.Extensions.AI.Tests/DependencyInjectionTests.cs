using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Replicate.Testing;

namespace Replicate.Extensions.AI.Tests;

public class DependencyInjectionTests
{
    [Fact]
    public async Task MicrosoftExtensionsAIsPipeline_WrapsTheReplicateChatClient_WithOpenTelemetryAndCaching()
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { DemoTokenDelay = TimeSpan.Zero });
        var services = new ServiceCollection();
        services.AddReplicate(o =>
        {
            o.ApiToken = emulator.ApiToken;
            o.BaseAddress = emulator.BaseAddress;
            o.PollingInterval = TimeSpan.FromMilliseconds(10);
        });
        services.AddDistributedMemoryCache();
        var calls = new List<string>();
        services.AddChatClient(sp => sp.GetRequiredService<ReplicateClient>().AsChatClient("meta/meta-llama-3-8b-instruct"))
            .Use(inner => new Recording(inner, "outer", calls))
            .UseOpenTelemetry(sourceName: "app.ai")
            .UseDistributedCache()
            .Use(inner => new Recording(inner, "inner", calls));
        await using var provider = services.BuildServiceProvider(validateScopes: true);
        var spans = new List<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == "app.ai",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);

        var chat = provider.GetRequiredService<IChatClient>();
        var first = await chat.GetResponseAsync("DI", new ChatOptions { MaxOutputTokens = 3 });
        var second = await chat.GetResponseAsync("DI", new ChatOptions { MaxOutputTokens = 3 });

        Assert.Equal("You said: DI.", first.Text);
        Assert.Equal(first.Text, second.Text);
        Assert.Single(emulator.Requests, r => r.Method == "POST" && r.Path.EndsWith("/predictions", StringComparison.Ordinal));
        Assert.Equal(["outer", "inner", "outer"], calls); // the second answer came from the cache, inside the span
        Assert.Equal(2, spans.Count);
        Assert.All(spans, span => Assert.Equal("replicate", span.GetTagItem("gen_ai.provider.name") ?? span.GetTagItem("gen_ai.system")));
        Assert.Equal("replicate", chat.GetService<ChatClientMetadata>()?.ProviderName);
        Assert.NotNull(chat.GetService<ReplicateClient>());
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
    public async Task AddReplicateSpeechToTextClient_ResolvesAWorkingClient_OnTheDefaultModel()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        await using var provider = Provider(emulator, services => services.AddReplicateSpeechToTextClient());

        var stt = provider.GetRequiredService<ISpeechToTextClient>();
        var response = await stt.GetTextAsync(new MemoryStream([1, 2, 3]));

        Assert.StartsWith("Emulated transcription of 3 bytes", response.Text, StringComparison.Ordinal);
        Assert.Equal("openai/whisper", stt.GetService<SpeechToTextClientMetadata>()?.DefaultModelId);
        Assert.Same(stt, provider.GetRequiredService<ISpeechToTextClient>()); // a singleton by default
    }

    [Fact]
    public async Task AddReplicateTextToSpeechClient_ResolvesAWorkingClient_OnTheChosenModel()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        await using var provider = Provider(emulator, services => services.AddReplicateTextToSpeechClient("minimax/speech-02-turbo", lifetime: ServiceLifetime.Scoped));
        await using var scope = provider.CreateAsyncScope();

        var tts = scope.ServiceProvider.GetRequiredService<ITextToSpeechClient>();
        var response = await tts.GetAudioAsync("Hello.");

        Assert.Equal("audio/wav", Assert.IsType<DataContent>(Assert.Single(response.Contents)).MediaType);
        Assert.Equal("minimax/speech-02-turbo", tts.GetService<TextToSpeechClientMetadata>()?.DefaultModelId);
    }

    [Fact]
    public async Task AddReplicateEmbeddingGenerator_ResolvesAWorkingGenerator()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        await using var provider = Provider(emulator, services => services.AddReplicateEmbeddingGenerator());

        var generator = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        var embeddings = await generator.GenerateAsync(["one", "two"]);

        Assert.Equal(2, embeddings.Count);
        Assert.Single(emulator.Requests, r => r.Method == "POST");
    }

    [Fact]
    public void WithoutAddReplicate_ResolvingSaysWhatIsMissing()
    {
        var services = new ServiceCollection();
        services.AddReplicateImageGenerator("black-forest-labs/flux-schnell");
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IImageGenerator>());

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

    /// <summary>A provider with <c>AddReplicate</c> pointed at the emulator and whatever <paramref name="register"/> adds.</summary>
    internal static ServiceProvider Provider(ReplicateEmulator emulator, Action<IServiceCollection> register)
    {
        var services = new ServiceCollection();
        services.AddReplicate(o =>
        {
            o.ApiToken = emulator.ApiToken;
            o.BaseAddress = emulator.BaseAddress;
            o.PollingInterval = TimeSpan.FromMilliseconds(10);
        });
        register(services);
        return services.BuildServiceProvider(validateScopes: true);
    }
}
