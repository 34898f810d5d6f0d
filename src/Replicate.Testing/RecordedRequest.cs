using System.Security.Cryptography;
using System.Text;

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
        DateTimeOffset receivedAt,
        byte[]? tokenHash = null)
    {
        _tokenHash = tokenHash;
        Method = method;
        Path = path;
        Query = query;
        Headers = headers;
        Body = body;
        ReceivedAt = receivedAt;
    }

    /// <summary>The SHA-256 of the token the request carried: enough to check it, useless to anyone reading test output.</summary>
    private readonly byte[]? _tokenHash;

    /// <summary>The HTTP method, e.g. <c>POST</c>.</summary>
    public string Method { get; }

    /// <summary>The request path, e.g. <c>/v1/predictions</c>.</summary>
    public string Path { get; }

    /// <summary>The raw query string including the leading <c>?</c>, or an empty string.</summary>
    public string Query { get; }

    /// <summary>
    /// The request headers (case-insensitive names; repeated values joined with <c>", "</c>). <c>Authorization</c> keeps
    /// its scheme but not its credential (<c>Bearer [redacted]</c>), so a real token never reaches test output; check
    /// which token was sent with <see cref="CarriesToken"/>.
    /// </summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The request body decoded as UTF-8 (empty when there was none).</summary>
    public string Body { get; }

    /// <summary>When the request arrived, on <see cref="ReplicateEmulatorOptions.TimeProvider"/>.</summary>
    public DateTimeOffset ReceivedAt { get; }

    /// <summary>Whether the request's <c>Authorization</c> header (<c>Bearer</c> or <c>Token</c> scheme) carried <paramref name="token"/>.</summary>
    /// <param name="token">The token to look for.</param>
    /// <returns><see langword="true"/> when that token was sent.</returns>
    public bool CarriesToken(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _tokenHash is not null && CryptographicOperations.FixedTimeEquals(_tokenHash, SHA256.HashData(Encoding.UTF8.GetBytes(token)));
    }

    /// <summary>Returns <c>METHOD path?query</c>.</summary>
    /// <returns>A one-line description for assertion messages.</returns>
    public override string ToString() => Method + " " + Path + Query;
}
