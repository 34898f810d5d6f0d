using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Replicate.Extensions.AI;

/// <summary>
/// Composes middleware around the registered Replicate <see cref="IChatClient"/>, as Microsoft.Extensions.AI's
/// <c>ChatClientBuilder</c> does. That builder lives in the Microsoft.Extensions.AI package, which this package does not
/// depend on; this one has the same <c>Use</c> semantics (the first middleware added is the outermost), so any
/// <see cref="DelegatingChatClient"/> plugs in. Returned by
/// <see cref="ReplicateAIServiceCollectionExtensions.AddReplicateChatClient(IServiceCollection, string, ReplicateChatInputMapper?, ServiceLifetime)"/>.
/// </summary>
/// <remarks>
/// If your app references Microsoft.Extensions.AI, you can use its builder directly instead:
/// <c>services.AddChatClient(sp =&gt; sp.GetRequiredService&lt;ReplicateClient&gt;().AsChatClient("meta/meta-llama-3-8b-instruct")).UseLogging()</c>.
/// </remarks>
public sealed class ReplicateChatClientBuilder
{
    private readonly Func<IServiceProvider, IChatClient> _innerFactory;
    private readonly List<Func<IChatClient, IServiceProvider, IChatClient>> _middleware = [];

    internal ReplicateChatClientBuilder(IServiceCollection services, Func<IServiceProvider, IChatClient> innerFactory)
    {
        Services = services;
        _innerFactory = innerFactory;
    }

    /// <summary>Gets the services the chat client was registered in.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Wraps the chat client in a middleware.</summary>
    /// <param name="middleware">Returns a client that wraps the one it is given, typically a <see cref="DelegatingChatClient"/>.</param>
    /// <returns>This builder.</returns>
    public ReplicateChatClientBuilder Use(Func<IChatClient, IChatClient> middleware)
    {
        ArgumentNullException.ThrowIfNull(middleware);
        return Use((inner, _) => middleware(inner));
    }

    /// <summary>Wraps the chat client in a middleware that needs services.</summary>
    /// <param name="middleware">Returns a client that wraps the one it is given.</param>
    /// <returns>This builder.</returns>
    public ReplicateChatClientBuilder Use(Func<IChatClient, IServiceProvider, IChatClient> middleware)
    {
        ArgumentNullException.ThrowIfNull(middleware);
        _middleware.Add(middleware);
        return this;
    }

    /// <summary>Builds the pipeline: the Replicate chat client inside every middleware, the first one added outermost.</summary>
    /// <param name="services">The services to resolve the <see cref="ReplicateClient"/> and middleware dependencies from.</param>
    /// <returns>The outermost chat client.</returns>
    public IChatClient Build(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var client = _innerFactory(services);
        for (var i = _middleware.Count - 1; i >= 0; i--)
        {
            client = _middleware[i](client, services)
                ?? throw new InvalidOperationException("A chat client middleware returned null.");
        }

        return client;
    }
}
