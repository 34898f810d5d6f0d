using System.CommandLine;

namespace Replicate.Cli.Commands;

/// <summary>The <c>--limit</c> option of list commands, and reading at most that many items (pages are fetched lazily).</summary>
internal static class Lists
{
    public static Option<int> LimitOption() => new("--limit", "-n")
    {
        Description = "The most items to list",
        DefaultValueFactory = _ => 20,
        HelpName = "N",
    };

    public static async Task<List<T>> TakeAsync<T>(IAsyncEnumerable<T> items, int limit, CancellationToken cancellationToken)
    {
        if (limit < 1)
        {
            throw CliException.Usage("--limit must be at least 1.");
        }

        var list = new List<T>();
        await foreach (var item in items.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            list.Add(item);
            if (list.Count >= limit)
            {
                break;
            }
        }

        return list;
    }
}
