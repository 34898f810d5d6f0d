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
