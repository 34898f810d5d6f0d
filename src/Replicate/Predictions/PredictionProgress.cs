using System.Globalization;
using System.Text.RegularExpressions;

namespace Replicate;

/// <summary>Progress of a running prediction, read from the tqdm progress bars most models print to their logs.</summary>
/// <param name="Percentage">The completed fraction, from 0 to 1.</param>
/// <param name="Current">The number of steps done.</param>
/// <param name="Total">The total number of steps.</param>
public sealed partial record PredictionProgress(double Percentage, long Current, long Total)
{
    /// <summary>Reads the last progress line in <paramref name="logs"/>.</summary>
    /// <param name="logs">Prediction logs.</param>
    /// <returns>The latest progress, or <see langword="null"/> when no line looks like a progress bar.</returns>
    public static PredictionProgress? Parse(string? logs)
    {
        if (string.IsNullOrEmpty(logs))
        {
            return null;
        }

        // Search from the last line up: the newest bar is what matters, and logs can be long.
        var span = logs.AsSpan();
        while (span.Length > 0)
        {
            var start = span.LastIndexOfAny('\n', '\r');
            var line = span[(start + 1)..];
            span = start < 0 ? [] : span[..start];
            if (line.IsEmpty || !line.Contains('%'))
            {
                continue;
            }

            var match = ProgressLine().Match(line.ToString());
            if (match.Success
                && int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var percent)
                && long.TryParse(match.Groups[2].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var current)
                && long.TryParse(match.Groups[3].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var total))
            {
                return new PredictionProgress(Math.Clamp(percent, 0, 100) / 100.0, current, total);
            }
        }

        return null;
    }

    [GeneratedRegex(@"^\s*(\d{1,3})%\s*\|.*?\|\s*(\d{1,18})/(\d{1,18})", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ProgressLine();
}
