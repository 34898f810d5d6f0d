namespace Replicate;

/// <summary>Lists and reads Replicate's curated collections of models. Reach it through <see cref="ReplicateClient.Collections"/>.</summary>
public class CollectionsClient
{
    private readonly ReplicateTransport _transport;

    /// <summary>Initializes a new instance for mocking.</summary>
    protected CollectionsClient()
    {
        _transport = null!;
    }

    internal CollectionsClient(ReplicateTransport transport)
    {
        _transport = transport;
    }

    /// <summary>Gets one page of collections (names and descriptions, without their models).</summary>
    /// <remarks><c>GET /collections</c>.</remarks>
    /// <param name="cursor">A page's <see cref="Page{T}.Next"/>, or <see langword="null"/> for the first page.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The page.</returns>
    public virtual Task<Page<CollectionSummary>> ListAsync(string? cursor = null, CancellationToken cancellationToken = default) =>
        _transport.GetAsync(_transport.ListUri("collections", cursor), ReplicateJsonContext.Default.PageCollectionSummary, cancellationToken).AsTask();

    /// <summary>Enumerates every collection, fetching pages lazily as you iterate.</summary>
    /// <remarks><c>GET /collections</c>, then each <c>next</c> page.</remarks>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The collections.</returns>
    public virtual IAsyncEnumerable<CollectionSummary> EnumerateAsync(CancellationToken cancellationToken = default) =>
        Pager.EnumerateAsync(ListAsync, "collections", cancellationToken);

    /// <summary>Gets a collection with its models.</summary>
    /// <remarks><c>GET /collections/{slug}</c>.</remarks>
    /// <param name="slug">The collection's slug, e.g. <c>super-resolution</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The collection.</returns>
    /// <exception cref="ArgumentException"><paramref name="slug"/> is empty; nothing was sent.</exception>
    /// <exception cref="ReplicateApiException">404 when there is no such collection.</exception>
    public virtual Task<Collection> GetAsync(string slug, CancellationToken cancellationToken = default) =>
        _transport.GetAsync(_transport.Resolve("collections/" + OptionChecks.PathId(slug, nameof(slug))), ReplicateJsonContext.Default.Collection, cancellationToken).AsTask();
}
