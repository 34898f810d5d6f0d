using Microsoft.AspNetCore.Http;

namespace Replicate.Testing.Internal;

/// <summary>Cuts a connection after what was already written has reached the client.</summary>
internal static class ConnectionAbort
{
    /// <summary>
    /// A flush only hands bytes to Kestrel's transport pipe; an immediate abort throws away whatever the
    /// transport has not sent yet, so the client would see a reset before the headers instead of a stream cut
    /// mid-body. A short real-time pause lets the loopback transport drain first (generous, because a busy CI
    /// machine can leave the sender queued for a while). Real time on purpose: this is about sockets, not the
    /// emulated clock.
    /// </summary>
    public static async Task AbortAfterDrainAsync(HttpContext context, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The client left already; abort anyway.
        }

        context.Abort();
    }
}
