namespace Replicate;

/// <summary>Lists, reads and deletes model versions. Reach it through <see cref="ModelsClient.Versions"/>.</summary>
public class ModelVersionsClient
{
    private readonly ReplicateTransport _transport;

    /// <summary>Initializes a new instance for mocking.</summary>
    protected ModelVersionsClient()
    {
        _transport = null!;
    }

    internal ModelVersionsClient(ReplicateTransport transport)
    {
        _transport = transport;
    }

    /// <summary>Gets one page of a model's versions, newest first.</summary>
    /// <remarks><c>GET /models/{owner}/{name}/versions</c>.</remarks>
    /// <param name="model">The model, <c>owner/name</c>.</param>
    /// <param name="cursor">A page's <see cref="Page{T}.Next"/>, or <see langword="null"/> for the first page.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The page.</returns>
    /// <exception cref="ReplicateApiException">404 when there is no such model.</exception>
    public virtual Task<Page<ModelVersion>> ListAsync(ModelIdentifier model, string? cursor = null, CancellationToken cancellationToken = default)
    {
        return _transport.GetAsync(_transport.ListUri(ModelsClient.Path(model) + "/versions", cursor), ReplicateJsonContext.Default.PageModelVersion, cancellationToken).AsTask();
    }

    /// <summary>Enumerates every version of a model, newest first, fetching pages lazily as you iterate.</summary>
    /// <remarks><c>GET /models/{owner}/{name}/versions</c>, then each <c>next</c> page.</remarks>
    /// <param name="model">The model, <c>owner/name</c>.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The versions.</returns>
    public virtual IAsyncEnumerable<ModelVersion> EnumerateAsync(ModelIdentifier model, CancellationToken cancellationToken = default)
    {
        _ = ModelsClient.Path(model);
        return Pager.EnumerateAsync((cursor, ct) => ListAsync(model, cursor, ct), "versions of " + model, cancellationToken);
    }

    /// <summary>Gets a version, with its input and output schema.</summary>
    /// <remarks><c>GET /models/{owner}/{name}/versions/{id}</c>.</remarks>
    /// <param name="version">The version, <c>owner/name:id</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The version.</returns>
    /// <exception cref="ArgumentException"><paramref name="version"/> is not <c>owner/name:id</c>; nothing was sent.</exception>
    /// <exception cref="ReplicateApiException">404 when there is no such model or version.</exception>
    public virtual Task<ModelVersion> GetAsync(ModelIdentifier version, CancellationToken cancellationToken = default) =>
        _transport.GetAsync(_transport.Resolve(Path(version)), ReplicateJsonContext.Default.ModelVersion, cancellationToken).AsTask();

    /// <summary>Gets a version, with its input and output schema.</summary>
    /// <remarks><c>GET /models/{owner}/{name}/versions/{id}</c>.</remarks>
    /// <param name="model">The model, <c>owner/name</c>.</param>
    /// <param name="versionId">The version id (64 hexadecimal characters).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The version.</returns>
    /// <exception cref="ArgumentException">The model or id is malformed; nothing was sent.</exception>
    /// <exception cref="ReplicateApiException">404 when there is no such model or version.</exception>
    public virtual Task<ModelVersion> GetAsync(ModelIdentifier model, string versionId, CancellationToken cancellationToken = default) =>
        GetAsync(WithVersion(model, versionId), cancellationToken);

    /// <summary>
    /// Deletes a version, with its predictions and their output files. The server accepts the request and deletes over
    /// the next few minutes. Only versions of your own private models that nobody else ran, no training started from,
    /// no deployment runs and no other version points to can be deleted.
    /// </summary>
    /// <remarks><c>DELETE /models/{owner}/{name}/versions/{id}</c>; 202.</remarks>
    /// <param name="version">The version, <c>owner/name:id</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the server has accepted the deletion.</returns>
    /// <exception cref="ArgumentException"><paramref name="version"/> is not <c>owner/name:id</c>; nothing was sent.</exception>
    /// <exception cref="ReplicateApiException">The version does not exist or cannot be deleted.</exception>
    public virtual Task DeleteAsync(ModelIdentifier version, CancellationToken cancellationToken = default) =>
        _transport.SendWithoutResultAsync(_transport.CreateRequest(HttpMethod.Delete, _transport.Resolve(Path(version))), cancellationToken);

    /// <summary>Deletes a version; see <see cref="DeleteAsync(ModelIdentifier, CancellationToken)"/>.</summary>
    /// <remarks><c>DELETE /models/{owner}/{name}/versions/{id}</c>; 202.</remarks>
    /// <param name="model">The model, <c>owner/name</c>.</param>
    /// <param name="versionId">The version id (64 hexadecimal characters).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the server has accepted the deletion.</returns>
    public virtual Task DeleteAsync(ModelIdentifier model, string versionId, CancellationToken cancellationToken = default) =>
        DeleteAsync(WithVersion(model, versionId), cancellationToken);

    private static ModelIdentifier WithVersion(ModelIdentifier model, string versionId)
    {
        _ = ModelsClient.Path(model);
        OptionChecks.VersionId(versionId, nameof(versionId));
        return ModelIdentifier.Create(model.Owner!, model.Name!, versionId);
    }

    private static string Path(ModelIdentifier version)
    {
        if (!version.HasModel || version.IsDeployment || version.Version is null)
        {
            throw new ArgumentException($"'{version}' does not name a model version: use 'owner/name:id'.", nameof(version));
        }

        return $"models/{version.Owner}/{version.Name}/versions/{version.Version}";
    }
}
