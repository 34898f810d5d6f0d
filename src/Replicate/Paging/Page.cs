namespace Replicate;

/// <summary>One page of a list endpoint.</summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed class Page<T>
{
    /// <summary>Gets the items on this page.</summary>
    public IReadOnlyList<T> Results { get; init; } = [];

    /// <summary>
    /// Gets the cursor of the next page (the absolute URL the server returned), or <see langword="null"/> on the last
    /// page. Pass it to the same <c>ListAsync</c> method to get that page.
    /// </summary>
    public string? Next { get; init; }

    /// <summary>Gets the cursor of the previous page, or <see langword="null"/> on the first page.</summary>
    public string? Previous { get; init; }
}
