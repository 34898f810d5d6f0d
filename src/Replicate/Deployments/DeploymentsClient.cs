namespace Replicate;

/// <summary>
/// Lists, reads, creates, updates and deletes deployments; runs them through <see cref="Predictions"/> or
/// <c>RunAsync(ModelIdentifier.Deployment(owner, name), input)</c>. Reach it through <see cref="ReplicateClient.Deployments"/>.
/// </summary>
public class DeploymentsClient
{
    private readonly ReplicateTransport _transport;

    /// <summary>Initializes a new instance for mocking.</summary>
    protected DeploymentsClient()
    {
        _transport = null!;
        Predictions = null!;
    }

    internal DeploymentsClient(ReplicateTransport transport, PredictionsClient predictions)
    {
        _transport = transport;
        Predictions = new DeploymentPredictionsClient(predictions);
    }

    /// <summary>Gets the client that creates predictions on deployments.</summary>
    public virtual DeploymentPredictionsClient Predictions { get; }

    /// <summary>Gets one page of the account's deployments, newest first.</summary>
    /// <remarks><c>GET /deployments</c>.</remarks>
    /// <param name="cursor">A page's <see cref="Page{T}.Next"/>, or <see langword="null"/> for the first page.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The page.</returns>
    public virtual Task<Page<Deployment>> ListAsync(string? cursor = null, CancellationToken cancellationToken = default) =>
        _transport.GetAsync(_transport.ListUri("deployments", cursor), ReplicateJsonContext.Default.PageDeployment, cancellationToken).AsTask();

    /// <summary>Enumerates every deployment of the account, fetching pages lazily as you iterate.</summary>
    /// <remarks><c>GET /deployments</c>, then each <c>next</c> page.</remarks>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The deployments.</returns>
    public virtual IAsyncEnumerable<Deployment> EnumerateAsync(CancellationToken cancellationToken = default) =>
        Pager.EnumerateAsync(ListAsync, "deployments", cancellationToken);

    /// <summary>Gets a deployment.</summary>
    /// <remarks><c>GET /deployments/{owner}/{name}</c>.</remarks>
    /// <param name="deployment">The deployment, <c>owner/name</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The deployment.</returns>
    /// <exception cref="ArgumentException"><paramref name="deployment"/> is not <c>owner/name</c>; nothing was sent.</exception>
    /// <exception cref="ReplicateApiException">404 when there is no such deployment.</exception>
    public virtual Task<Deployment> GetAsync(string deployment, CancellationToken cancellationToken = default) =>
        _transport.GetAsync(_transport.Resolve(Path(Identify(deployment))), ReplicateJsonContext.Default.Deployment, cancellationToken).AsTask();

    /// <summary>Gets a deployment.</summary>
    /// <remarks><c>GET /deployments/{owner}/{name}</c>.</remarks>
    /// <param name="owner">The deployment's owner.</param>
    /// <param name="name">The deployment's name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The deployment.</returns>
    /// <exception cref="ArgumentException">The owner or name is empty or malformed; nothing was sent.</exception>
    /// <exception cref="ReplicateApiException">404 when there is no such deployment.</exception>
    public virtual Task<Deployment> GetAsync(string owner, string name, CancellationToken cancellationToken = default) =>
        _transport.GetAsync(_transport.Resolve(Path(ModelIdentifier.Deployment(owner, name))), ReplicateJsonContext.Default.Deployment, cancellationToken).AsTask();

    /// <summary>Creates a deployment owned by the token's account. Its first release is number 1.</summary>
    /// <remarks><c>POST /deployments</c>; 200 with the deployment.</remarks>
    /// <param name="options">The name, model, version, hardware and scaling.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The new deployment.</returns>
    /// <exception cref="ArgumentException">An option is missing or malformed; nothing was sent.</exception>
    /// <exception cref="ReplicateApiException">The API refused, e.g. the name is taken or the version does not exist.</exception>
    public virtual Task<Deployment> CreateAsync(CreateDeploymentOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return _transport.SendJsonAsync(
            HttpMethod.Post, _transport.Resolve("deployments"), options, ReplicateJsonContext.Default.CreateDeploymentOptions, ReplicateJsonContext.Default.Deployment, cancellationToken).AsTask();
    }

    /// <summary>Changes a deployment's version, hardware or scaling; any change makes a new release with the next number.</summary>
    /// <remarks><c>PATCH /deployments/{owner}/{name}</c>; 200 with the deployment.</remarks>
    /// <param name="deployment">The deployment, <c>owner/name</c>.</param>
    /// <param name="options">The changes; only the properties set are sent.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The updated deployment.</returns>
    /// <exception cref="ArgumentException">No change is set, or a value is malformed; nothing was sent.</exception>
    /// <exception cref="ReplicateApiException">404 when there is no such deployment; 4xx for values the API refuses.</exception>
    public virtual Task<Deployment> UpdateAsync(string deployment, UpdateDeploymentOptions options, CancellationToken cancellationToken = default) =>
        UpdateAsync(Identify(deployment), options, cancellationToken);

    /// <summary>Changes a deployment's version, hardware or scaling; any change makes a new release with the next number.</summary>
    /// <remarks><c>PATCH /deployments/{owner}/{name}</c>; 200 with the deployment.</remarks>
    /// <param name="owner">The deployment's owner.</param>
    /// <param name="name">The deployment's name.</param>
    /// <param name="options">The changes; only the properties set are sent.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The updated deployment.</returns>
    /// <exception cref="ArgumentException">No change is set, or a value is malformed; nothing was sent.</exception>
    /// <exception cref="ReplicateApiException">404 when there is no such deployment; 4xx for values the API refuses.</exception>
    public virtual Task<Deployment> UpdateAsync(string owner, string name, UpdateDeploymentOptions options, CancellationToken cancellationToken = default) =>
        UpdateAsync(ModelIdentifier.Deployment(owner, name), options, cancellationToken);

    /// <summary>Deletes a deployment. The server refuses unless it has been offline and unused for at least 15 minutes.</summary>
    /// <remarks><c>DELETE /deployments/{owner}/{name}</c>; 204.</remarks>
    /// <param name="deployment">The deployment, <c>owner/name</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the deployment is deleted.</returns>
    /// <exception cref="ArgumentException"><paramref name="deployment"/> is not <c>owner/name</c>; nothing was sent.</exception>
    /// <exception cref="ReplicateApiException">404 when there is no such deployment; 4xx while it is in use.</exception>
    public virtual Task DeleteAsync(string deployment, CancellationToken cancellationToken = default) =>
        _transport.SendWithoutResultAsync(_transport.CreateRequest(HttpMethod.Delete, _transport.Resolve(Path(Identify(deployment)))), cancellationToken);

    /// <summary>Deletes a deployment; see <see cref="DeleteAsync(string, CancellationToken)"/>.</summary>
    /// <remarks><c>DELETE /deployments/{owner}/{name}</c>; 204.</remarks>
    /// <param name="owner">The deployment's owner.</param>
    /// <param name="name">The deployment's name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the deployment is deleted.</returns>
    public virtual Task DeleteAsync(string owner, string name, CancellationToken cancellationToken = default) =>
        _transport.SendWithoutResultAsync(_transport.CreateRequest(HttpMethod.Delete, _transport.Resolve(Path(ModelIdentifier.Deployment(owner, name)))), cancellationToken);

    /// <summary>Reads <c>owner/name</c> (or <c>deployment:owner/name</c>) as a deployment identifier.</summary>
    internal static ModelIdentifier Identify(string deployment, string parameterName = "deployment")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(deployment, parameterName);
        if (!ModelIdentifier.TryParse(deployment, out var id) || !id.HasModel || id.Version is not null)
        {
            throw new ArgumentException($"'{deployment}' is not a deployment name: use 'owner/name'.", parameterName);
        }

        return id.IsDeployment ? id : ModelIdentifier.Deployment(id.Owner, id.Name);
    }

    private static string Path(ModelIdentifier deployment) => $"deployments/{deployment.Owner}/{deployment.Name}";

    private Task<Deployment> UpdateAsync(ModelIdentifier deployment, UpdateDeploymentOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return _transport.SendJsonAsync(
            HttpMethod.Patch, _transport.Resolve(Path(deployment)), options, ReplicateJsonContext.Default.UpdateDeploymentOptions, ReplicateJsonContext.Default.Deployment, cancellationToken).AsTask();
    }
}
