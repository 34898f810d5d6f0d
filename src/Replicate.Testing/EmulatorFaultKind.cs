namespace Replicate.Testing;

/// <summary>What an <see cref="EmulatorFault"/> does to a matching request.</summary>
public enum EmulatorFaultKind
{
    /// <summary>Answer with <see cref="EmulatorFault.StatusCode"/>, headers and body instead of the real response.</summary>
    Status,

    /// <summary>Abort the connection before any response byte is sent (the client sees a reset).</summary>
    ResetConnection,

    /// <summary>Never answer; the request stays open until the client gives up or the emulator is disposed.</summary>
    Hang,

    /// <summary>
    /// Send the status line and headers with a <c>Content-Length</c> larger than the bytes that follow, then
    /// abort the connection (the client sees a truncated body).
    /// </summary>
    TruncatedBody,
}
