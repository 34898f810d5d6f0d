using System.Globalization;

namespace Replicate.Testing.Internal;

/// <summary>The <c>Prefer</c> and <c>Cancel-After</c> request headers, parsed as the spec defines them.</summary>
internal static class HeaderParsers
{
    /// <summary>
    /// Matches the spec's pattern <c>^wait(=([1-9]|[1-9][0-9]|60))?$</c> (which admits 1 to 99). Returns the
    /// wait in seconds (60 for a bare <c>wait</c>), or null when the header does not match.
    /// </summary>
    public static int? ParsePreferWait(string value)
    {
        if (value == "wait")
        {
            return 60;
        }

        if (!value.StartsWith("wait=", StringComparison.Ordinal))
        {
            return null;
        }

        var digits = value.AsSpan(5);
        if (digits.Length is < 1 or > 2 || digits[0] == '0')
        {
            return null;
        }

        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c))
            {
                return null;
            }
        }

        return int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Parses <c>30s</c>, <c>5m</c>, <c>1h30m45s</c> (units h, m, s in that order, each at most once) or a bare
    /// number of seconds. Returns null when the value is malformed.
    /// </summary>
    public static TimeSpan? ParseDuration(string value)
    {
        if (value.Length == 0)
        {
            return null;
        }

        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var bare))
        {
            return bare > int.MaxValue ? null : TimeSpan.FromSeconds(bare);
        }

        var total = TimeSpan.Zero;
        var lastUnit = -1;
        var i = 0;
        while (i < value.Length)
        {
            var start = i;
            while (i < value.Length && char.IsAsciiDigit(value[i]))
            {
                i++;
            }

            if (i == start || i == value.Length || i - start > 9)
            {
                return null;
            }

            var number = long.Parse(value.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture);
            var unit = value[i] switch { 'h' => 0, 'm' => 1, 's' => 2, _ => -1 };
            if (unit <= lastUnit)
            {
                return null;
            }

            lastUnit = unit;
            total += unit switch
            {
                0 => TimeSpan.FromHours(number),
                1 => TimeSpan.FromMinutes(number),
                _ => TimeSpan.FromSeconds(number),
            };
            i++;
        }

        return total;
    }
}
