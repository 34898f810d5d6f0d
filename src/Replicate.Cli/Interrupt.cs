using System.Runtime.InteropServices;

namespace Replicate.Cli;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM: the first cancels <see cref="Token"/>, so the running command cancels its prediction on
/// the server, says so and exits 130; the second exits 130 at once.
/// </summary>
internal sealed class Interrupt : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly TextWriter _error;
    private int _count;

    public Interrupt(TextWriter error)
    {
        _error = error;
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal));
    }

    public CancellationToken Token => _source.Token;

    public bool Requested => _source.IsCancellationRequested;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _source.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true; // the process stays alive: the server still has to hear about the cancel
        if (Interlocked.Increment(ref _count) == 1)
        {
            _error.WriteLine();
            _error.WriteLine("Interrupted: canceling... (press Ctrl+C again to exit at once)");
            _source.Cancel();
            return;
        }

        _error.WriteLine("Interrupted again: exiting without waiting.");
        _error.Flush();
        Console.Out.Flush();
        Environment.Exit(ExitCodes.Interrupted);
    }
}
