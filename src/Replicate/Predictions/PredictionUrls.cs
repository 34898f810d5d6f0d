namespace Replicate;

/// <summary>The URLs the API returns for working with a prediction. Every one may be missing in older responses.</summary>
public sealed class PredictionUrls
{
    // Kept as text and parsed on first use: most callers never read them, and four Uri parses per prediction add up
    // when listing thousands.
    private Uri? _get;
    private Uri? _cancel;
    private Uri? _stream;
    private Uri? _web;

    /// <summary>Initializes an empty instance.</summary>
    public PredictionUrls()
    {
    }

    internal PredictionUrls(string? get, string? cancel, string? stream, string? web)
    {
        GetText = get;
        CancelText = cancel;
        StreamText = stream;
        WebText = web;
    }

    /// <summary>Gets the API URL that returns the latest state of the prediction.</summary>
    public Uri? Get { get => Parse(GetText, ref _get); init => GetText = Set(value, out _get); }

    /// <summary>Gets the API URL that cancels the prediction.</summary>
    public Uri? Cancel { get => Parse(CancelText, ref _cancel); init => CancelText = Set(value, out _cancel); }

    /// <summary>Gets the server-sent-events URL that streams output, when the model supports streaming.</summary>
    public Uri? Stream { get => Parse(StreamText, ref _stream); init => StreamText = Set(value, out _stream); }

    /// <summary>Gets the page that shows the prediction on replicate.com.</summary>
    public Uri? Web { get => Parse(WebText, ref _web); init => WebText = Set(value, out _web); }

    internal string? GetText { get; private init; }

    internal string? CancelText { get; private init; }

    internal string? StreamText { get; private init; }

    internal string? WebText { get; private init; }

    /// <summary>Parses once and caches; a malformed URL from the server reads as <see langword="null"/> rather than throwing.</summary>
    private static Uri? Parse(string? text, ref Uri? cache) =>
        cache ??= text is not null && Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri : null;

    private static string? Set(Uri? value, out Uri? cache)
    {
        cache = value;
        return value?.OriginalString;
    }
}
