using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.AI;
using Replicate;
using Replicate.Extensions.AI;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Replicate models as <see cref="IChatClient"/> and <see cref="IImageGenerator"/> services.</summary>
public static class ReplicateAIServiceCollectionExtensions
{
    /// <summary>
    /// Registers an <see cref="IChatClient"/> that runs <paramref name="modelId"/> with the <see cref="ReplicateClient"/>
    /// registered by <c>services.AddReplicate(...)</c>. Add middleware with the returned builder's <c>Use</c>.
    /// </summary>
    /// <example><code>
    /// services.AddReplicate(o =&gt; o.ApiToken = token);
    /// services.AddReplicateChatClient("meta/meta-llama-3-8b-instruct").Use(inner =&gt; new MyLoggingChatClient(inner));
    /// </code></example>
    /// <param name="services">The services.</param>
    /// <param name="modelId">The language model, e.g. <c>meta/meta-llama-3-8b-instruct</c>.</param>
    /// <param name="inputMapper">How messages and options become the model's input; <see langword="null"/> for <see cref="PromptChatInputMapper"/>.</param>
    /// <param name="lifetime">The lifetime of the <see cref="IChatClient"/> service (singleton, like Microsoft.Extensions.AI's <c>AddChatClient</c>).</param>
    /// <returns>A builder to add middleware.</returns>
    /// <exception cref="FormatException"><paramref name="modelId"/> is not a model identifier.</exception>
    public static ReplicateChatClientBuilder AddReplicateChatClient(this IServiceCollection services, string modelId, ReplicateChatInputMapper? inputMapper = null, ServiceLifetime lifetime = ServiceLifetime.Singleton)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(modelId);
        _ = ModelIdentifier.Parse(modelId);
        var builder = new ReplicateChatClientBuilder(services, sp => new ReplicateChatClient(ResolveClient(sp), modelId, inputMapper));
        services.Add(new ServiceDescriptor(typeof(IChatClient), builder.Build, lifetime));
        return builder;
    }

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
    public static IServiceCollection AddReplicateImageGenerator(this IServiceCollection services, string modelId, ReplicateImageInputMapper? inputMapper = null, ServiceLifetime lifetime = ServiceLifetime.Singleton)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(modelId);
        _ = ModelIdentifier.Parse(modelId);
        services.Add(new ServiceDescriptor(typeof(IImageGenerator), sp => new ReplicateImageGenerator(ResolveClient(sp), modelId, inputMapper), lifetime));
        return services;
    }

    private static ReplicateClient ResolveClient(IServiceProvider services) =>
        services.GetService<ReplicateClient>()
        ?? throw new InvalidOperationException("No ReplicateClient is registered. Call services.AddReplicate(...) before resolving a Replicate chat client or image generator.");
}
