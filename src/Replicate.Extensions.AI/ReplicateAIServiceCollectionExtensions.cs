using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.AI;
using Replicate;
using Replicate.Extensions.AI;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers Replicate models as Microsoft.Extensions.AI services: <see cref="IImageGenerator"/>,
/// <see cref="ISpeechToTextClient"/>, <see cref="ITextToSpeechClient"/> and <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>.
/// The experimental ones (<c>MEAI001</c> in Microsoft.Extensions.AI) are experimental here too. For chat, use Microsoft.Extensions.AI's own
/// pipeline in the app: <c>services.AddChatClient(sp =&gt; sp.GetRequiredService&lt;ReplicateClient&gt;().AsChatClient("meta/meta-llama-3-8b-instruct")).UseOpenTelemetry().UseDistributedCache()</c>.
/// </summary>
public static class ReplicateAIServiceCollectionExtensions
{
    /// <summary>
    /// Registers an <see cref="IImageGenerator"/> that runs <paramref name="modelId"/> with the <see cref="ReplicateClient"/>
    /// registered by <c>services.AddReplicate(...)</c>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="modelId">The image model, e.g. <c>black-forest-labs/flux-schnell</c>.</param>
    /// <param name="inputMapper">How requests become the model's input; <see langword="null"/> for FLUX-style inputs.</param>
    /// <param name="lifetime">The lifetime of the service.</param>
    /// <returns>The services.</returns>
    [Experimental("MEAI001")]
    public static IServiceCollection AddReplicateImageGenerator(this IServiceCollection services, string modelId, ReplicateImageInputMapper? inputMapper = null, ServiceLifetime lifetime = ServiceLifetime.Singleton) =>
        Register<IImageGenerator>(services, modelId, lifetime, client => new ReplicateImageGenerator(client, modelId, inputMapper));

    /// <summary>
    /// Registers an <see cref="ISpeechToTextClient"/> that runs <paramref name="modelId"/> with the <see cref="ReplicateClient"/>
    /// registered by <c>services.AddReplicate(...)</c>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="modelId">The transcription model; by default <see cref="ReplicateSpeechToTextClient.DefaultModelId"/> (<c>openai/whisper</c>).</param>
    /// <param name="inputMapper">How audio and options become the model's input; <see langword="null"/> for Whisper's inputs.</param>
    /// <param name="lifetime">The lifetime of the service.</param>
    /// <returns>The services.</returns>
    [Experimental("MEAI001")]
    public static IServiceCollection AddReplicateSpeechToTextClient(this IServiceCollection services, string modelId = ReplicateSpeechToTextClient.DefaultModelId, ReplicateSpeechToTextInputMapper? inputMapper = null, ServiceLifetime lifetime = ServiceLifetime.Singleton) =>
        Register<ISpeechToTextClient>(services, modelId, lifetime, client => new ReplicateSpeechToTextClient(client, modelId, inputMapper));

    /// <summary>
    /// Registers an <see cref="ITextToSpeechClient"/> that runs <paramref name="modelId"/> with the <see cref="ReplicateClient"/>
    /// registered by <c>services.AddReplicate(...)</c>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="modelId">The speech model; by default <see cref="ReplicateTextToSpeechClient.DefaultModelId"/> (<c>minimax/speech-02-turbo</c>).</param>
    /// <param name="inputMapper">How text and options become the model's input; <see langword="null"/> for MiniMax's inputs.</param>
    /// <param name="lifetime">The lifetime of the service.</param>
    /// <returns>The services.</returns>
    [Experimental("MEAI001")]
    public static IServiceCollection AddReplicateTextToSpeechClient(this IServiceCollection services, string modelId = ReplicateTextToSpeechClient.DefaultModelId, ReplicateTextToSpeechInputMapper? inputMapper = null, ServiceLifetime lifetime = ServiceLifetime.Singleton) =>
        Register<ITextToSpeechClient>(services, modelId, lifetime, client => new ReplicateTextToSpeechClient(client, modelId, inputMapper));

    /// <summary>
    /// Registers an <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> of <see cref="Embedding{T}"/> of <see cref="float"/>
    /// that runs <paramref name="modelId"/> with the <see cref="ReplicateClient"/> registered by <c>services.AddReplicate(...)</c>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="modelId">The embedding model; by default <see cref="ReplicateEmbeddingGenerator.DefaultModelId"/> (<c>replicate/all-mpnet-base-v2</c>).</param>
    /// <param name="inputMapper">How a batch and options become the model's input; <see langword="null"/> for all-mpnet-base-v2's <c>text_batch</c>.</param>
    /// <param name="lifetime">The lifetime of the service.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddReplicateEmbeddingGenerator(this IServiceCollection services, string modelId = ReplicateEmbeddingGenerator.DefaultModelId, ReplicateEmbeddingInputMapper? inputMapper = null, ServiceLifetime lifetime = ServiceLifetime.Singleton) =>
        Register<IEmbeddingGenerator<string, Embedding<float>>>(services, modelId, lifetime, client => new ReplicateEmbeddingGenerator(client, modelId, inputMapper));

    /// <summary>Registers one adapter over the <see cref="ReplicateClient"/> that <c>AddReplicate</c> registered, checking the model id now.</summary>
    private static IServiceCollection Register<TService>(IServiceCollection services, string modelId, ServiceLifetime lifetime, Func<ReplicateClient, TService> create)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(modelId);
        _ = ModelIdentifier.Parse(modelId);
        services.Add(new ServiceDescriptor(typeof(TService), sp => create(ResolveClient(sp)), lifetime));
        return services;
    }

    private static ReplicateClient ResolveClient(IServiceProvider services) =>
        services.GetService<ReplicateClient>()
        ?? throw new InvalidOperationException("No ReplicateClient is registered. Call services.AddReplicate(...) before resolving a Replicate Microsoft.Extensions.AI service.");
}
