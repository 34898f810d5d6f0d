using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Replicate.Testing;

namespace Replicate.Extensions.AI.Tests;

/// <summary>The README's Microsoft.Extensions.AI walk-through, run offline: all five modalities over one emulator, through DI.</summary>
public class AllModalitiesTests
{
    [Fact]
    public async Task ChatImageSpeechToTextTextToSpeechAndEmbeddings_AllRunAgainstTheEmulator_OnTheirDefaultModels()
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { DemoTokenDelay = TimeSpan.Zero });
        await using var provider = DependencyInjectionTests.Provider(emulator, services =>
        {
            services.AddChatClient(sp => sp.GetRequiredService<ReplicateClient>().AsChatClient("meta/meta-llama-3-8b-instruct"));
            services.AddReplicateImageGenerator("black-forest-labs/flux-schnell");
            services.AddReplicateSpeechToTextClient();
            services.AddReplicateTextToSpeechClient();
            services.AddReplicateEmbeddingGenerator();
        });

        var answer = await provider.GetRequiredService<IChatClient>().GetResponseAsync("Hi", new ChatOptions { MaxOutputTokens = 3 });
        var image = await provider.GetRequiredService<IImageGenerator>().GenerateImagesAsync("a lighthouse");
        var speech = await provider.GetRequiredService<ITextToSpeechClient>().GetAudioAsync("Hello from the emulator.");
        var transcript = await provider.GetRequiredService<ISpeechToTextClient>().GetTextAsync((DataContent)speech.Contents[0]);
        var vectors = await provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>().GenerateAsync(["first text", "second text"]);

        Assert.Equal("You said: Hi.", answer.Text);
        Assert.Equal("image/png", Assert.IsType<DataContent>(Assert.Single(image.Contents)).MediaType);
        Assert.Equal("audio/wav", ((DataContent)speech.Contents[0]).MediaType);
        Assert.Equal("Hello from the emulator.", transcript.Text);
        Assert.Single(Assert.IsAssignableFrom<IReadOnlyList<ReplicateTranscriptionSegment>>(transcript.AdditionalProperties![ReplicateSpeechToTextClient.SegmentsPropertyName]));
        Assert.Equal([768, 768], vectors.Select(v => v.Dimensions));
        Assert.Equal(
            ["meta/meta-llama-3-8b-instruct", "black-forest-labs/flux-schnell", "minimax/speech-02-turbo", "openai/whisper", "replicate/all-mpnet-base-v2"],
            emulator.Requests.Where(r => r.Method == "POST" && r.Path.StartsWith("/v1/models/", StringComparison.Ordinal))
                .Select(r => r.Path["/v1/models/".Length..^"/predictions".Length]));
    }
}
