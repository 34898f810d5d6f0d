namespace Replicate;

/// <summary>Checks of request options shared by the resource clients, so bad values fail before anything is sent.</summary>
internal static class OptionChecks
{
    /// <summary>A URL sent to the API must be absolute: a relative one means nothing to the server.</summary>
    public static void AbsoluteUrl(Uri? url, string name)
    {
        if (url is not null && !(url.IsAbsoluteUri && url.Scheme is "http" or "https"))
        {
            throw new ArgumentException($"{name} '{url}' must be an absolute http(s) URL.", name);
        }
    }

    /// <summary>An owner or name that goes into a URL path.</summary>
    public static void Segment(string? value, string name)
    {
        if (value is null || !ModelIdentifier.IsValidSegment(value))
        {
            throw new ArgumentException($"'{value}' is not a valid {name}: use letters, digits, '-', '_' or '.'.", name);
        }
    }

    /// <summary>
    /// An id that becomes one segment of a URL path (a prediction, training, file or collection), escaped for it. Empty
    /// ids, <c>.</c>, <c>..</c> and ids with <c>/</c> would address another endpoint (<c>GetAsync("..")</c> is
    /// <c>GET /v1/</c>), so they are refused before anything is sent.
    /// </summary>
    /// <returns>The id, escaped for a path.</returns>
    public static string PathId(string? id, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id, name);
        if (!IsPathId(id))
        {
            throw new ArgumentException($"'{id}' is not an id: ids cannot be '.' or '..' or contain '/' or '\\'.", name);
        }

        return Uri.EscapeDataString(id);
    }

    /// <summary>Whether <paramref name="id"/> can be one path segment: not blank, <c>.</c> or <c>..</c>, and without <c>/</c> or <c>\</c>.</summary>
    public static bool IsPathId(string id) =>
        !string.IsNullOrWhiteSpace(id) && id is not ("." or "..") && id.AsSpan().IndexOfAny('/', '\\') < 0;

    public static void VersionId(string? value, string name)
    {
        if (value is null || !ModelIdentifier.IsVersionId(value))
        {
            throw new ArgumentException($"'{value}' is not a version id: a version id is 64 hexadecimal characters.", name);
        }
    }

    public static void Instances(int? min, string minName, int? max, string maxName)
    {
        if (min < 0)
        {
            throw new ArgumentOutOfRangeException(minName, min, minName + " cannot be negative.");
        }

        if (max < 0)
        {
            throw new ArgumentOutOfRangeException(maxName, max, maxName + " cannot be negative.");
        }

        if (min > max)
        {
            throw new ArgumentException($"{minName} ({min}) cannot be more than {maxName} ({max}).", minName);
        }
    }
}
