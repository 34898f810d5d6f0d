using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Replicate.Cli.Commands;

/// <summary>
/// Follows a prediction while it runs: the id as soon as it exists (so an interrupt can cancel it), and the status for
/// the user. On a terminal a spinner shows queued → running, the progress the model logs (tqdm lines) and the elapsed
/// time; when stderr is piped, one plain line per status change.
/// </summary>
internal sealed class StatusReporter : IProgress<Prediction>
{
    private readonly CliContext _context;
    private readonly Action? _onReport;
    private readonly Stopwatch _elapsed = Stopwatch.StartNew();
    private StatusContext? _status;
    private volatile Prediction? _latest;
    private string? _lastStatus;

    public StatusReporter(CliContext context, Action? onReport = null)
    {
        _context = context;
        _onReport = onReport;
    }

    /// <summary>The prediction's id once it was created, else null.</summary>
    public string? PredictionId => _latest?.Id;

    public Prediction? Latest => _latest;

    /// <summary>Runs <paramref name="work"/> under a live spinner on a terminal, or as it is otherwise.</summary>
    public async Task<T> TrackAsync<T>(string model, Func<Task<T>> work)
    {
        if (!_context.IsErrorTerminal)
        {
            return await work().ConfigureAwait(false);
        }

        try
        {
            return await _context.ErrorConsole.Status()
                .Spinner(Spinner.Known.Dots)
                .StartAsync("Creating prediction of " + Markup.Escape(model) + "...", async status =>
                {
                    _status = status;
                    using var timer = new Timer(_ => Refresh(), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
                    try
                    {
                        return await work().ConfigureAwait(false);
                    }
                    finally
                    {
                        _status = null;
                    }
                }).ConfigureAwait(false);
        }
        finally
        {
            // The spinner clears itself; leave one line saying how it ended.
            if (_latest is { } last && last.Status.IsTerminal)
            {
                var seconds = _elapsed.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
                _context.ErrorConsole.MarkupLine($"[dim]prediction {Markup.Escape(last.Id)} {Markup.Escape(last.Status.Value)} in {seconds}s[/]");
            }
        }
    }

    public void Report(Prediction value)
    {
        _latest = value;
        _onReport?.Invoke();
        var status = value.Status.Value;
        if (status == _lastStatus)
        {
            Refresh();
            return;
        }

        _lastStatus = status;
        if (_status is null)
        {
            // Plain and stable when piped: "prediction <id> <status>".
            _context.Error.WriteLine($"prediction {value.Id} {status}");
            _context.Error.Flush();
        }

        Refresh();
    }

    private void Refresh()
    {
        if (_status is not { } status || _latest is not { } prediction)
        {
            return;
        }

        var phase = prediction.Status == PredictionStatus.Starting ? "queued" : prediction.Status == PredictionStatus.Processing ? "running" : prediction.Status.Value;
        var progress = prediction.Progress is { } p ? " " + (p.Percentage * 100).ToString("0", CultureInfo.InvariantCulture) + "%" : string.Empty;
        var seconds = _elapsed.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        status.Status($"{Markup.Escape(prediction.Id)} [bold]{Markup.Escape(phase)}[/]{Markup.Escape(progress)} [dim]{seconds}s[/]");
    }
}
