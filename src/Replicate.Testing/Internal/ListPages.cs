using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Replicate.Testing.Internal;

/// <summary>
/// Cursor pagination for every list endpoint: the opaque cursor format, and pages over an in-memory snapshot
/// (models, versions, deployments, collections, files, ...) written as <c>{"next","previous","results"}</c> with
/// absolute <c>next</c>/<c>previous</c> URLs, as Replicate sends them.
/// </summary>
internal static class ListPages
{
    /// <summary>Opaque to clients: base64url of <c>o=N</c> or <c>p=N</c> (the direction and a position).</summary>
    public static string EncodeCursor(char direction, long position)
    {
        var raw = Convert.ToBase64String(Encoding.ASCII.GetBytes(direction + "=" + position.ToString(CultureInfo.InvariantCulture)));
        return raw.TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Decodes a cursor this server issued, or returns null for anything else.</summary>
    public static PageCursor? DecodeCursor(string cursor)
    {
        var base64 = cursor.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        Span<byte> bytes = stackalloc byte[64];
        if (base64.Length > 80 || !Convert.TryFromBase64String(base64, bytes, out var length) || length < 3 || bytes[1] != (byte)'=')
        {
            return null;
        }

        var backward = bytes[0] == (byte)'p';
        if (!backward && bytes[0] != (byte)'o')
        {
            return null;
        }

        return int.TryParse(Encoding.ASCII.GetString(bytes[2..length]), NumberStyles.None, CultureInfo.InvariantCulture, out var position)
            ? new PageCursor(position, backward)
            : null;
    }

    /// <summary>
    /// Reads the <c>cursor</c> query parameter as an offset into a list: 0 without one, null (after answering 400)
    /// for a cursor this server did not issue.
    /// </summary>
    public static async Task<int?> ReadOffsetAsync(HttpContext context)
    {
        var value = context.Request.Query["cursor"].ToString();
        if (value.Length == 0)
        {
            return 0;
        }

        if (DecodeCursor(value) is { Backward: false } cursor)
        {
            return (int)cursor.Ordinal;
        }

        await HttpResponses.WriteProblemAsync(
            context, StatusCodes.Status400BadRequest, "Bad request", "cursor: not a cursor this server issued").ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// Writes the page of <paramref name="items"/> that starts at the request's cursor. <paramref name="listUrl"/> is
    /// the absolute URL of the list with any filters, ending in <c>?</c> or <c>&amp;</c>, so links keep the filters.
    /// </summary>
    public static async Task WriteAsync<T>(
        HttpContext context, EmulatorCore core, string listUrl, IReadOnlyList<T> items, Action<Utf8JsonWriter, T> writeItem)
    {
        if (await ReadOffsetAsync(context).ConfigureAwait(false) is not { } offset)
        {
            return;
        }

        var size = Math.Max(1, core.Options.PageSize);
        var start = Math.Min(offset, items.Count);
        var end = Math.Min(items.Count, start + size);
        var next = end < items.Count ? listUrl + "cursor=" + EncodeCursor('o', end) : null;
        var previous = start > 0 ? listUrl + "cursor=" + EncodeCursor('o', Math.Max(0, start - size)) : null;
        await HttpResponses.WriteJsonAsync(
            context,
            StatusCodes.Status200OK,
            (Items: items, Start: start, End: end, Next: next, Previous: previous, Write: writeItem),
            static (writer, page) =>
            {
                writer.WriteStartObject();
                writer.WriteString("next", page.Next);
                writer.WriteString("previous", page.Previous);
                writer.WriteStartArray("results");
                for (var i = page.Start; i < page.End; i++)
                {
                    page.Write(writer, page.Items[i]);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            },
            sizeHint: 1024 * (end - start + 1)).ConfigureAwait(false);
    }
}
