using System.Net;
using System.Net.Sockets;

namespace Replicate.Tests;

/// <summary>
/// An API address on 127.0.0.1 that refuses every connection: its port is bound, so no other test's server can take
/// it, but nothing listens on it. (The port of a disposed server can be handed to the next server that asks.)
/// Linked into every test project that needs an unreachable API.
/// </summary>
internal sealed class RefusingPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public RefusingPort()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        BaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)_socket.LocalEndPoint!).Port}/v1/");
    }

    public Uri BaseAddress { get; }

    public void Dispose() => _socket.Dispose();
}
