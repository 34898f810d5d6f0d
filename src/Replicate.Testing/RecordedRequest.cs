namespace Replicate.Testing;

/// <summary>One HTTP request the emulator received, kept for assertions.</summary>
public sealed class RecordedRequest
{
    internal RecordedRequest(
        string method,
        string path,
        string query,
        IReadOnlyDictionary<string, string> headers,
        string body,
        DateTimeOffset receivedAt)
    {
        Method = method;
        Path = path;
        Query = query;
        Headers = headers;
        Body = body;
        ReceivedAt = receivedAt;
    }

    /// <summary>The HTTP method, e.g. <c>POST</c>.</summary>
    public string Method { get; }

    /// <summary>The request path, e.g. <c>/v1/predictions</c>.</summary>
    public string Path { get; }

    /// <summary>The raw query string including the leading <c>?</c>, or an empty string.</summary>
    public string Query { get; }

    /// <summary>The request headers (case-insensitive names; repeated values joined with <c>", "</c>).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The request body decoded as UTF-8 (empty when there was none).</summary>
    public string Body { get; }

    /// <summary>When the request arrived, on <see cref="ReplicateEmulatorOptions.TimeProvider"/>.</summary>
    public DateTimeOffset ReceivedAt { get; }

    /// <summary>Returns <c>METHOD path?query</c>.</summary>
    /// <returns>A one-line description for assertion messages.</returns>
    public override string ToString() => Method + " " + Path + Query;
}
