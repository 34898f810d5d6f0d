using System.Runtime.CompilerServices;

namespace Replicate;

/// <summary>Walks every page of a list endpoint lazily, for every resource's <c>EnumerateAsync</c>.</summary>
internal static class Pager
{
    /// <summary>
    /// Empty pages in a row that still name a next page before the walk stops: a server that keeps handing out fresh
    /// cursors to nothing would otherwise be walked forever.
    /// </summary>
    internal const int MaxEmptyPagesInARow = 10;

    /// <summary>Yields the items of the first page and of every page after it, fetching each only when needed.</summary>
    /// <param name="listPage">Gets a page: <see langword="null"/> for the first, else the cursor (<see cref="Page{T}.Next"/>).</param>
    /// <param name="what">What is listed, for the error message.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    public static async IAsyncEnumerable<T> EnumerateAsync<T>(
        Func<string?, CancellationToken, Task<Page<T>>> listPage, string what, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var page = await listPage(null, cancellationToken).ConfigureAwait(false);

        // Brent's cycle detection: one remembered cursor, moved to the current one after 1, 2, 4, 8... pages. Any loop of
        // cursors is found within about twice its length, in constant memory however long the list.
        string? checkpoint = null;
        var sinceCheckpoint = 0;
        var stride = 1;
        var emptyInARow = 0;
        while (true)
        {
            foreach (var item in page.Results)
            {
                yield return item;
            }

            if (page.Next is not { } next)
            {
                yield break;
            }

            emptyInARow = page.Results.Count == 0 ? emptyInARow + 1 : 0;
            if (emptyInARow >= MaxEmptyPagesInARow)
            {
                throw new ReplicateException(
                    $"The API returned {emptyInARow} empty pages in a row while listing {what}, each naming another page; stopping rather than paging forever.");
            }

            if (string.Equals(next, checkpoint, StringComparison.Ordinal))
            {
                throw new ReplicateException($"The API returned the same page cursor twice while listing {what} ({next}); stopping.");
            }

            if (++sinceCheckpoint == stride)
            {
                (checkpoint, sinceCheckpoint, stride) = (next, 0, stride * 2);
            }

            page = await listPage(next, cancellationToken).ConfigureAwait(false);
        }
    }
}
