using System.Runtime.CompilerServices;

namespace Replicate;

/// <summary>Walks every page of a list endpoint lazily, for every resource's <c>EnumerateAsync</c>.</summary>
internal static class Pager
{
    /// <summary>Yields the items of the first page and of every page after it, fetching each only when needed.</summary>
    /// <param name="listPage">Gets a page: <see langword="null"/> for the first, else the cursor (<see cref="Page{T}.Next"/>).</param>
    /// <param name="what">What is listed, for the error message.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    public static async IAsyncEnumerable<T> EnumerateAsync<T>(
        Func<string?, CancellationToken, Task<Page<T>>> listPage, string what, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var page = await listPage(null, cancellationToken).ConfigureAwait(false);
        HashSet<string>? seen = null;
        while (true)
        {
            foreach (var item in page.Results)
            {
                yield return item;
            }

            if (page.Next is null)
            {
                yield break;
            }

            // A server that hands back a cursor it already gave would otherwise loop forever.
            if (!(seen ??= new HashSet<string>(StringComparer.Ordinal)).Add(page.Next))
            {
                throw new ReplicateException($"The API returned the same page cursor twice while listing {what} ({page.Next}); stopping.");
            }

            page = await listPage(page.Next, cancellationToken).ConfigureAwait(false);
        }
    }
}
