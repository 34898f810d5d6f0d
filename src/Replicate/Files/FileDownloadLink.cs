using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Replicate;

/// <summary>
/// What <c>GET /files/{id}/download</c> needs: the file id, its owner's username, when the grant expires, and the
/// signature (base64 HMAC-SHA256 of <c>"{owner} {id} {expiry}"</c> made with the account's Files API signing secret).
/// Replicate hands these out as a signed URL; parse one with <see cref="Parse"/>. The signature is a credential:
/// <see cref="ToString"/> leaves it out.
/// </summary>
public sealed class FileDownloadLink
{
    /// <summary>Initializes a link from its parts.</summary>
    /// <param name="fileId">The file id (<see cref="ReplicateFile.Id"/>).</param>
    /// <param name="owner">The username of the user or organization that uploaded the file.</param>
    /// <param name="expiry">When the signature stops being valid (sent as Unix seconds).</param>
    /// <param name="signature">The base64 signature, as given (not URL-encoded).</param>
    /// <exception cref="ArgumentException">A part is empty, or the file id is <c>.</c>, <c>..</c> or contains <c>/</c>.</exception>
    public FileDownloadLink(string fileId, string owner, DateTimeOffset expiry, string signature)
    {
        _ = OptionChecks.PathId(fileId, nameof(fileId));
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        ArgumentException.ThrowIfNullOrWhiteSpace(signature);
        FileId = fileId;
        Owner = owner;
        Expiry = expiry;
        Signature = signature;
    }

    /// <summary>Gets the file id.</summary>
    public string FileId { get; }

    /// <summary>Gets the username of the file's owner.</summary>
    public string Owner { get; }

    /// <summary>Gets when the signature expires.</summary>
    public DateTimeOffset Expiry { get; }

    /// <summary>Gets the base64 signature.</summary>
    public string Signature { get; }

    /// <summary>Parses a signed download URL: <c>.../files/{id}/download?owner=...&amp;expiry=...&amp;signature=...</c>.</summary>
    /// <param name="downloadUrl">The URL.</param>
    /// <returns>The link.</returns>
    /// <exception cref="FormatException">The URL is not a signed download URL; the message says what is missing.</exception>
    public static FileDownloadLink Parse(Uri downloadUrl)
    {
        ArgumentNullException.ThrowIfNull(downloadUrl);
        return TryParse(downloadUrl, out var link, out var error) ? link : throw new FormatException(error);
    }

    /// <summary>Tries to parse a signed download URL; see <see cref="Parse"/>.</summary>
    /// <param name="downloadUrl">The URL.</param>
    /// <param name="link">The link, when parsing succeeded.</param>
    /// <returns>Whether the URL was a signed download URL.</returns>
    public static bool TryParse(Uri? downloadUrl, [NotNullWhen(true)] out FileDownloadLink? link) => TryParse(downloadUrl, out link, out _);

    /// <inheritdoc />
    public override string ToString() => $"FileDownloadLink {{ FileId = {FileId}, Owner = {Owner}, Expiry = {Expiry:O} }}";

    /// <summary>The API-relative path and query of the download.</summary>
    internal string RelativeUri() =>
        "files/" + Uri.EscapeDataString(FileId) + "/download?owner=" + Uri.EscapeDataString(Owner)
        + "&expiry=" + Expiry.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)
        + "&signature=" + Uri.EscapeDataString(Signature);

    private static bool TryParse(Uri? url, [NotNullWhen(true)] out FileDownloadLink? link, out string error)
    {
        link = null;
        if (url is null || !url.IsAbsoluteUri)
        {
            error = $"'{url}' is not an absolute URL.";
            return false;
        }

        var segments = url.AbsolutePath.TrimEnd('/').Split('/');
        if (segments.Length < 4 || segments[^1] != "download" || segments[^3] != "files" || segments[^2].Length == 0)
        {
            error = $"'{url.GetLeftPart(UriPartial.Path)}' is not a file download URL (.../files/{{id}}/download).";
            return false;
        }

        string? owner = null, expiry = null, signature = null;
        foreach (var pair in url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? pair : pair[..equals];

            // Query encoding may turn spaces into '+'; base64 signatures keep a literal '+' only when percent-encoded.
            var value = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..]);
            switch (name)
            {
                case "owner": owner = value; break;
                case "expiry": expiry = value; break;
                case "signature": signature = value; break;
            }
        }

        if (string.IsNullOrEmpty(owner) || string.IsNullOrEmpty(signature)
            || !long.TryParse(expiry, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            error = $"The download URL for file '{segments[^2]}' needs owner, expiry (Unix seconds) and signature query parameters.";
            return false;
        }

        var fileId = Uri.UnescapeDataString(segments[^2]);
        if (!OptionChecks.IsPathId(fileId))
        {
            error = $"'{fileId}' in the download URL is not a file id.";
            return false;
        }

        link = new FileDownloadLink(fileId, owner, DateTimeOffset.FromUnixTimeSeconds(seconds), signature);
        error = string.Empty;
        return true;
    }
}
