namespace Replicate;

/// <summary>
/// The one timestamp shape the API sends (<c>2024-10-04T18:07:35.765994Z</c>: UTC, 0 to 9 fractional digits), parsed
/// without the general ISO 8601 machinery, which was an eighth of the cost of reading a listed prediction. Anything
/// else returns <see langword="false"/> so the caller falls back to <see cref="System.Text.Json.Utf8JsonReader.TryGetDateTimeOffset"/>.
/// </summary>
internal static class Rfc3339
{
    public static bool TryParseUtc(ReadOnlySpan<byte> text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length is < 20 or > 30 || text[^1] != (byte)'Z'
            || text[4] != (byte)'-' || text[7] != (byte)'-' || text[10] != (byte)'T' || text[13] != (byte)':' || text[16] != (byte)':')
        {
            return false;
        }

        if (!TryDigits(text[..4], out var year) || !TryDigits(text.Slice(5, 2), out var month) || !TryDigits(text.Slice(8, 2), out var day)
            || !TryDigits(text.Slice(11, 2), out var hour) || !TryDigits(text.Slice(14, 2), out var minute) || !TryDigits(text.Slice(17, 2), out var second)
            || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        long fractionTicks = 0;
        if (text.Length > 20)
        {
            // ".f" to ".fffffffff": ticks are 7 digits; more are truncated, as the general parser does.
            var fraction = text[20..^1];
            if (text[19] != (byte)'.' || fraction.IsEmpty || fraction.Length > 9 || !TryDigits(fraction[..Math.Min(7, fraction.Length)], out var digits)
                || (fraction.Length > 7 && !TryDigits(fraction[7..], out _)))
            {
                return false;
            }

            fractionTicks = digits;
            for (var i = Math.Min(7, fraction.Length); i < 7; i++)
            {
                fractionTicks *= 10;
            }
        }

        var ticks = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).Ticks + fractionTicks;
        value = new DateTimeOffset(ticks, TimeSpan.Zero);
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<byte> digits, out int value)
    {
        value = 0;
        foreach (var b in digits)
        {
            var digit = (uint)(b - '0');
            if (digit > 9)
            {
                return false;
            }

            value = (value * 10) + (int)digit;
        }

        return true;
    }
}
