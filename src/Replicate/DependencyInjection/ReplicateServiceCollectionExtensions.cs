using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Replicate;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="ReplicateClient"/> with <see cref="IHttpClientFactory"/>.</summary>
public static class ReplicateServiceCollectionExtensions
{
    /// <summary>The configuration section <see cref="AddReplicate(IServiceCollection, IConfiguration)"/> expects callers to pass (<c>Replicate</c>).</summary>
    public const string ConfigurationSection = "Replicate";

    /// <summary>
    /// Registers <see cref="ReplicateClient"/> as a typed client over a pooled <see cref="HttpClient"/> from
    /// <see cref="IHttpClientFactory"/>, with the SDK's retry handler attached once. Options not set fall back to the
    /// <c>REPLICATE_*</c> environment variables; a missing token fails validation at startup with a message naming it.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets options, e.g. <c>o =&gt; o.ApiToken = ...</c>.</param>
    /// <returns>
    /// The HTTP client builder, to add handlers. <c>AddStandardResilienceHandler()</c> is safe here: its retry and timeouts
    /// stand aside for the SDK's requests (the SDK's own retry never repeats a create the server may have started), and its
    /// rate limiter and circuit breaker apply. With a retry of your own, set <see cref="ReplicateClientOptions.MaxRetries"/> to 0.
    /// </returns>
    public static IHttpClientBuilder AddReplicate(this IServiceCollection services, Action<ReplicateClientOptions>? configure = null) =>
        AddReplicate(services, Options.Options.DefaultName, configure);

    /// <summary>Registers <see cref="ReplicateClient"/> with options bound from configuration (pass <c>configuration.GetSection("Replicate")</c>).</summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section holding <c>ApiToken</c>, <c>BaseAddress</c>, <c>MaxRetries</c>, ...</param>
    /// <returns>The HTTP client builder.</returns>
    public static IHttpClientBuilder AddReplicate(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return AddReplicate(services, Options.Options.DefaultName, configuration);
    }

    /// <summary>
    /// Registers a named client, for several accounts in one app. Resolve it with
    /// <c>[FromKeyedServices("name")] ReplicateClient</c> or <c>GetRequiredKeyedService&lt;ReplicateClient&gt;("name")</c>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The client's name (its service key).</param>
    /// <param name="configure">Sets options.</param>
    /// <returns>The HTTP client builder.</returns>
    public static IHttpClientBuilder AddReplicate(this IServiceCollection services, string name, Action<ReplicateClientOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(name);
        var options = services.AddOptions<ReplicateClientOptions>(name);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return AddCore(services, name);
    }

    /// <summary>Registers a named client with options bound from configuration.</summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The client's name (its service key).</param>
    /// <param name="configuration">The section holding the options.</param>
    /// <returns>The HTTP client builder.</returns>
    public static IHttpClientBuilder AddReplicate(this IServiceCollection services, string name, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ReplicateClientOptions>(name).Bind(configuration);
        return AddCore(services, name);
    }

    private static IHttpClientBuilder AddCore(IServiceCollection services, string name)
    {
        var httpClientName = HttpClientName(name);
        services.AddOptions<ReplicateClientOptions>(name).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ReplicateClientOptions>, TokenValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<HttpStandardResilienceOptions>, StandardResilienceAdapter>());

        // Calling AddReplicate twice for one name only adds configuration: the handlers and the client are registered once,
        // so requests are never retried twice over.
        if (services.Any(d => d.ServiceType == typeof(Registration) && Equals(d.ImplementationInstance, new Registration(name))))
        {
            return new Builder(httpClientName, services);
        }

        services.AddSingleton(new Registration(name));
        var builder = services.AddHttpClient(httpClientName)
            .ConfigureHttpClient(http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler
            {
                // Long-lived connections still see DNS changes.
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                AutomaticDecompression = System.Net.DecompressionMethods.All,
            })
            .AddHttpMessageHandler(sp => ReplicateClient.CreateRetryHandler(ResolveOptions(sp, name)));

        services.AddKeyedTransient(name, (sp, _) => CreateClient(sp, name));
        if (name == Options.Options.DefaultName)
        {
            services.TryAddTransient(sp => CreateClient(sp, name));
        }

        return builder;
    }

    private static ReplicateClient CreateClient(IServiceProvider services, string name) =>
        new(services.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName(name)), ResolveOptions(services, name));

    private static ReplicateClientOptions ResolveOptions(IServiceProvider services, string name)
    {
        var options = services.GetRequiredService<IOptionsMonitor<ReplicateClientOptions>>().Get(name).Clone();
        options.LoggerFactory ??= services.GetService<ILoggerFactory>();
        return options;
    }

    private static string HttpClientName(string name) => name.Length == 0 ? "Replicate" : "Replicate:" + name;

    private sealed record Registration(string Name);

    private sealed class Builder(string name, IServiceCollection services) : IHttpClientBuilder
    {
        public string Name => name;

        public IServiceCollection Services => services;
    }

    /// <summary>Fails startup (or the first use) when no token is configured anywhere, naming where to put one.</summary>
    private sealed class TokenValidator : IValidateOptions<ReplicateClientOptions>
    {
        public ValidateOptionsResult Validate(string? name, ReplicateClientOptions options)
        {
            if (options.ApiToken is { } token && (string.IsNullOrWhiteSpace(token) || token.Any(char.IsWhiteSpace)))
            {
                return ValidateOptionsResult.Fail($"The Replicate API token for client '{name}' is empty or contains whitespace: check {ConfigurationSection}:ApiToken.");
            }

            if (string.IsNullOrWhiteSpace(options.ApiToken) && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("REPLICATE_API_TOKEN")))
            {
                return ValidateOptionsResult.Fail(
                    $"No Replicate API token is configured for client '{(string.IsNullOrEmpty(name) ? "(default)" : name)}'. Set {ConfigurationSection}:ApiToken in " +
                    "configuration (user secrets, environment variable Replicate__ApiToken), the REPLICATE_API_TOKEN environment variable, " +
                    "or ApiToken in AddReplicate(o => ...).");
            }

            if (options.MaxRetries < 0)
            {
                return ValidateOptionsResult.Fail($"{ConfigurationSection}:MaxRetries must be 0 or more.");
            }

            return ValidateOptionsResult.Success;
        }
    }
}
