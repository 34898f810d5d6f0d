using System.Text;

namespace Replicate;

/// <summary>
/// Finds, reads, creates, updates and deletes models, their README and examples; their versions are under
/// <see cref="Versions"/>. Reach it through <see cref="ReplicateClient.Models"/>.
/// </summary>
public class ModelsClient
{
    private static readonly HttpMethod Query = new("QUERY");
    private readonly ReplicateTransport _transport;

    /// <summary>Initializes a new instance for mocking.</summary>
    protected ModelsClient()
    {
        _transport = null!;
        Versions = null!;
    }

    internal ModelsClient(ReplicateTransport transport)
    {
        _transport = transport;
        Versions = new ModelVersionsClient(transport);
    }

    /// <summary>Gets the versions of models: list, get and delete.</summary>
    public virtual ModelVersionsClient Versions { get; }

    /// <summary>Gets a model, with its latest version and that version's input and output schema.</summary>
    /// <remarks><c>GET /models/{owner}/{name}</c>.</remarks>
    /// <param name="model">The model, <c>owner/name</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The model.</returns>
    /// <exception cref="ArgumentException"><paramref name="model"/> names a version, a deployment or nothing; nothing was sent.</exception>
    /// <exception cref="ReplicateApiException">404 when there is no such model (or it is private to someone else).</exception>
    public virtual Task<Model> GetAsync(ModelIdentifier model, CancellationToken cancellationToken = default) =>
        _transport.GetAsync(_transport.Resolve(Path(model)), ReplicateJsonContext.Default.Model, cancellationToken).AsTask();

    /// <summary>Gets a model, with its latest version and that version's input and output schema.</summary>
    /// <remarks><c>GET /models/{owner}/{name}</c>.</remarks>
    /// <param name="owner">The model's owner.</param>
    /// <param name="name">The model's name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The model.</returns>
    /// <exception cref="ArgumentException">The owner or name is empty or malformed; nothing was sent.</exception>
    /// <exception cref="ReplicateApiException">404 when there is no such model.</exception>
    public virtual Task<Model> GetAsync(string owner, string name, CancellationToken cancellationToken = default) =>
        GetAsync(ModelIdentifier.Create(owner, name), cancellationToken);

    /// <summary>Gets one page of public models.</summary>
    /// <remarks><c>GET /models?sort_by=...&amp;sort_direction=...</c>.</remarks>
    /// <param name="cursor">A page's <see cref="Page{T}.Next"/> or <see cref="Page{T}.Previous"/>, or <see langword="null"/> for the first page.</param>
    /// <param name="sortBy">What to sort by (ignored with a <paramref name="cursor"/>, which carries it); the server default is <see cref="ModelSortBy.LatestVersionCreatedAt"/>.</param>
    /// <param name="sortDirection">The order (ignored with a <paramref name="cursor"/>); the server default is <see cref="SortDirection.Descending"/>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The page.</returns>
    public virtual Task<Page<Model>> ListAsync(string? cursor = null, ModelSortBy? sortBy = null, SortDirection? sortDirection = null, CancellationToken cancellationToken = default)
    {
        return _transport.GetAsync(_transport.ListUri("models", cursor, SortQuery(sortBy, sortDirection)), ReplicateJsonContext.Default.PageModel, cancellationToken).AsTask();
    }

    /// <summary>Enumerates every public model, fetching pages lazily as you iterate.</summary>
    /// <remarks><c>GET /models</c>, then each <c>next</c> page.</remarks>
    /// <param name="sortBy">What to sort by; the server default is <see cref="ModelSortBy.LatestVersionCreatedAt"/>.</param>
    /// <param name="sortDirection">The order; the server default is <see cref="SortDirection.Descending"/>.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The models.</returns>
    public virtual IAsyncEnumerable<Model> EnumerateAsync(ModelSortBy? sortBy = null, SortDirection? sortDirection = null, CancellationToken cancellationToken = default) =>
        Pager.EnumerateAsync((cursor, ct) => ListAsync(cursor, sortBy, sortDirection, ct), "models", cancellationToken);

    /// <summary>Searches public models by text; the search text goes in the body, not the URL.</summary>
    /// <remarks><c>QUERY /models</c> with a <c>text/plain</c> body.</remarks>
    /// <param name="query">What to look for, e.g. <c>upscale faces</c>.</param>
    /// <param name="cursor">A page's <see cref="Page{T}.Next"/>, or <see langword="null"/> for the first page.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A page of matching models.</returns>
    /// <exception cref="ArgumentException"><paramref name="query"/> is empty; nothing was sent.</exception>
    public virtual Task<Page<Model>> SearchAsync(string query, string? cursor = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        var request = _transport.CreateRequest(Query, _transport.ListUri("models", cursor));
        request.Content = ReplicateTransport.TextContent(query);
        return _transport.SendAsync(request, ReplicateJsonContext.Default.PageModel, cancellationToken).AsTask();
    }

    /// <summary>Enumerates every public model that matches a search, fetching pages lazily as you iterate.</summary>
    /// <remarks><c>QUERY /models</c>, then each <c>next</c> page.</remarks>
    /// <param name="query">What to look for.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The matching models.</returns>
    /// <exception cref="ArgumentException"><paramref name="query"/> is empty; nothing was sent.</exception>
    public virtual IAsyncEnumerable<Model> EnumerateSearchAsync(string query, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        return Pager.EnumerateAsync((cursor, ct) => SearchAsync(query, cursor, ct), "model search results", cancellationToken);
    }

    /// <summary>Creates a model, with no versions yet: push one with Cog (<c>cog push r8.im/owner/name</c>) or a training.</summary>
    /// <remarks><c>POST /models</c>; 201 with the model.</remarks>
    /// <param name="options">The owner, name, visibility and hardware, and optional details.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The new model.</returns>
    /// <exception cref="ArgumentException">A required option is missing or malformed; nothing was sent.</exception>
    /// <exception cref="ReplicateApiException">The API refused, e.g. the name is taken or the owner is not the token's account.</exception>
    public virtual Task<Model> CreateAsync(CreateModelOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return _transport.SendJsonAsync(
            HttpMethod.Post, _transport.Resolve("models"), options, ReplicateJsonContext.Default.CreateModelOptions, ReplicateJsonContext.Default.Model, cancellationToken).AsTask();
    }

    /// <summary>Changes a model's details; only the properties set in <paramref name="options"/> are sent.</summary>
    /// <remarks><c>PATCH /models/{owner}/{name}</c>; 200 with the whole updated model.</remarks>
    /// <param name="model">The model, <c>owner/name</c>.</param>
    /// <param name="options">The changes.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The updated model.</returns>
    /// <exception cref="ArgumentException">No change is set, or a URL is relative; nothing was sent.</exception>
    /// <exception cref="ReplicateApiException">404 when there is no such model; 403 when it is not yours.</exception>
    public virtual Task<Model> UpdateAsync(ModelIdentifier model, UpdateModelOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = Path(model);
        options.Validate();
        return _transport.SendJsonAsync(
            HttpMethod.Patch, _transport.Resolve(path), options, ReplicateJsonContext.Default.UpdateModelOptions, ReplicateJsonContext.Default.Model, cancellationToken).AsTask();
    }

    /// <summary>Deletes a model. Only your own private models with no versions can be deleted: delete the versions first.</summary>
    /// <remarks><c>DELETE /models/{owner}/{name}</c>; 204.</remarks>
    /// <param name="model">The model, <c>owner/name</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the model is deleted.</returns>
    /// <exception cref="ArgumentException"><paramref name="model"/> names a version, a deployment or nothing; nothing was sent.</exception>
    /// <exception cref="ReplicateApiException">The model is public, has versions, is not yours, or does not exist.</exception>
    public virtual Task DeleteAsync(ModelIdentifier model, CancellationToken cancellationToken = default) =>
        _transport.SendWithoutResultAsync(_transport.CreateRequest(HttpMethod.Delete, _transport.Resolve(Path(model))), cancellationToken);

    /// <summary>
    /// Writes a schema file for the typed-models generator: the model object <c>GET /models/{owner}/{name}</c> returns,
    /// as it came, with <c>latest_version</c> being the version to pin (the model's latest, or the one
    /// <paramref name="model"/> names). Add it to a project with <c>&lt;ReplicateModel Include="models/x.json" /&gt;</c>.
    /// </summary>
    /// <remarks><c>GET /models/{owner}/{name}</c>, and <c>GET /models/{owner}/{name}/versions/{id}</c> for a version.</remarks>
    /// <param name="model"><c>owner/name</c>, or <c>owner/name:version</c> to pin that version.</param>
    /// <param name="path">The file to write (replaced if it exists).</param>
    /// <param name="cancellationToken">Cancels the requests.</param>
    /// <returns>A task that completes when the file is written.</returns>
    /// <exception cref="ReplicateException">The model has no version yet, so there is nothing to pin.</exception>
    public virtual async Task WriteSchemaFileAsync(ModelIdentifier model, string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var name = ModelIdentifier.Create(model.Owner ?? string.Empty, model.Name ?? string.Empty);
        var json = await _transport.SendForTextAsync(_transport.CreateRequest(HttpMethod.Get, _transport.Resolve(Path(name))), cancellationToken).ConfigureAwait(false);
        var document = System.Text.Json.Nodes.JsonNode.Parse(json) as System.Text.Json.Nodes.JsonObject
            ?? throw new ReplicateException($"GET /models/{name} did not answer with a JSON object.");
        if (model.Version is { } version)
        {
            var versionJson = await _transport.SendForTextAsync(
                _transport.CreateRequest(HttpMethod.Get, _transport.Resolve(Path(name) + "/versions/" + version)), cancellationToken).ConfigureAwait(false);
            document["latest_version"] = System.Text.Json.Nodes.JsonNode.Parse(versionJson);
        }

        if (document["latest_version"] is not System.Text.Json.Nodes.JsonObject)
        {
            throw new ReplicateException($"Model {name} has no version yet, so there is no schema to pin.");
        }

        await File.WriteAllTextAsync(path, document.ToJsonString(IndentedJson) + "\n", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets a model's README, in Markdown.</summary>
    /// <remarks><c>GET /models/{owner}/{name}/readme</c> with <c>Accept: text/plain</c>.</remarks>
    /// <param name="model">The model, <c>owner/name</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The README text.</returns>
    /// <exception cref="ReplicateApiException">404 when the model does not exist or has no README.</exception>
    public virtual Task<string> GetReadmeAsync(ModelIdentifier model, CancellationToken cancellationToken = default) =>
        _transport.SendForTextAsync(_transport.CreateRequest(HttpMethod.Get, _transport.Resolve(Path(model) + "/readme"), accept: "text/plain"), cancellationToken);

    /// <summary>Gets one page of the example predictions the model's author saved.</summary>
    /// <remarks><c>GET /models/{owner}/{name}/examples</c>.</remarks>
    /// <param name="model">The model, <c>owner/name</c>.</param>
    /// <param name="cursor">A page's <see cref="Page{T}.Next"/>, or <see langword="null"/> for the first page.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The page.</returns>
    public virtual Task<Page<Prediction>> ListExamplesAsync(ModelIdentifier model, string? cursor = null, CancellationToken cancellationToken = default)
    {
        return _transport.GetAsync(_transport.ListUri(Path(model) + "/examples", cursor), ReplicateJsonContext.Default.PagePrediction, cancellationToken).AsTask();
    }

    /// <summary>Enumerates every example prediction of a model, fetching pages lazily as you iterate.</summary>
    /// <remarks><c>GET /models/{owner}/{name}/examples</c>, then each <c>next</c> page.</remarks>
    /// <param name="model">The model, <c>owner/name</c>.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The examples.</returns>
    public virtual IAsyncEnumerable<Prediction> EnumerateExamplesAsync(ModelIdentifier model, CancellationToken cancellationToken = default)
    {
        _ = Path(model);
        return Pager.EnumerateAsync((cursor, ct) => ListExamplesAsync(model, cursor, ct), "examples of " + model, cancellationToken);
    }

    /// <summary>The API path of a model, <c>models/{owner}/{name}</c>; anything but a plain model name is refused.</summary>
    private static readonly System.Text.Json.JsonSerializerOptions IndentedJson = new() { WriteIndented = true };

    internal static string Path(ModelIdentifier model, string parameterName = "model")
    {
        if (!model.HasModel || model.IsDeployment || model.Version is not null)
        {
            var hint = model.Version is not null && model.HasModel ? " (for a version, use Models.Versions)" : string.Empty;
            throw new ArgumentException($"'{model}' is not a model name: use 'owner/name'{hint}.", parameterName);
        }

        // ModelIdentifier admits only letters, digits, '-', '_' and '.', so the segments need no escaping.
        return $"models/{model.Owner}/{model.Name}";
    }

    private static string SortQuery(ModelSortBy? sortBy, SortDirection? sortDirection)
    {
        var query = new StringBuilder();
        if (sortBy is { } by)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(by.Value, nameof(sortBy));
            query.Append("?sort_by=").Append(Uri.EscapeDataString(by.Value));
        }

        if (sortDirection is { } direction)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(direction.Value, nameof(sortDirection));
            query.Append(query.Length == 0 ? '?' : '&').Append("sort_direction=").Append(Uri.EscapeDataString(direction.Value));
        }

        return query.ToString();
    }
}
