using System.Net;
using System.Net.Sockets;

namespace Replicate.Benchmarks.Harness;

/// <summary>
/// The connection settings both sides share: exactly what <see cref="ReplicateClient.CreateHttpMessageHandler"/> puts
/// under the SDK's owned <see cref="HttpClient"/> (a pooled <see cref="SocketsHttpHandler"/>, connections recycled every
/// 5 minutes, automatic decompression, no <see cref="HttpClient.Timeout"/>).
/// </summary>
public static class BenchHttp
{
    /// <summary>
    /// Gets or sets a self-signed certificate both sides trust (<c>--trust-cert</c>), for a server that serves files over
    /// TLS; every other certificate is checked as usual.
    /// </summary>
    public static System.Security.Cryptography.X509Certificates.X509Certificate2? TrustedCertificate { get; private set; }

    /// <summary>Gets the file <see cref="TrustedCertificate"/> came from, passed on to cold child processes.</summary>
    public static string? TrustedCertificatePath { get; private set; }

    /// <summary>Trusts the self-signed certificate in <paramref name="path"/> (PEM or DER) on both sides.</summary>
    public static void Trust(string path)
    {
        TrustedCertificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(path);
        TrustedCertificatePath = Path.GetFullPath(path);
    }

    /// <summary>The connection pool, optionally counting the connections it opens and the requests sent over it.</summary>
    public static HttpMessageHandler CreateHandler(ConnectionCounter? counter = null) =>
        counter is null ? CreatePool(null) : new RequestCounting(CreatePool(counter), counter);

    private static SocketsHttpHandler CreatePool(ConnectionCounter? counter)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.All,
        };
        if (TrustedCertificate is { } trusted)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == System.Net.Security.SslPolicyErrors.None || (certificate is not null && certificate.GetCertHashString() == trusted.GetCertHashString());
        }

        if (counter is not null)
        {
            // What SocketsHttpHandler does by default (TCP, no Nagle), plus a count.
            handler.ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    counter.Opened();
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    counter.Failed();
                    throw;
                }
            };
        }

        return handler;
    }

    /// <summary>A bare client with the SDK's connection settings.</summary>
    public static HttpClient CreateBaselineClient(ConnectionCounter? counter = null) =>
        new(CreateHandler(counter), disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };

    /// <summary>
    /// An SDK client pointed at the emulator. Without a counter it is the plain owning constructor; with one, the same
    /// handler chain (<see cref="ReplicateClient.CreateHttpMessageHandler"/>) over a counting connection pool.
    /// </summary>
    public static ReplicateClient CreateSdkClient(Uri baseAddress, string? apiToken, Action<ReplicateClientOptions>? configure = null, ConnectionCounter? counter = null)
    {
        var options = new ReplicateClientOptions { ApiToken = apiToken, BaseAddress = baseAddress };
        configure?.Invoke(options);
        if (counter is null && TrustedCertificate is null)
        {
            return new ReplicateClient(options);
        }

        var http = new HttpClient(ReplicateClient.CreateHttpMessageHandler(options, CreateHandler(counter)), disposeHandler: true)
        {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
        return new OwningReplicateClient(http, options);
    }

    /// <summary>Disposes the caller-owned <see cref="HttpClient"/> with the client, as the owning constructor does.</summary>
    private sealed class OwningReplicateClient : ReplicateClient
    {
        private readonly HttpClient _http;

        public OwningReplicateClient(HttpClient http, ReplicateClientOptions options)
            : base(http, options)
        {
            _http = http;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _http.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

/// <summary>
/// Counts TCP connections a pool opened (and failed to open: socket exhaustion shows up as failures) and requests sent
/// over it, retries and polls included.
/// </summary>
public sealed class ConnectionCounter
{
    private int _opened;
    private int _failed;
    private int _requests;

    public int RequestCount => Volatile.Read(ref _requests);

    public void Requested() => Interlocked.Increment(ref _requests);

    public int OpenedCount => Volatile.Read(ref _opened);

    public int FailedCount => Volatile.Read(ref _failed);

    public void Opened() => Interlocked.Increment(ref _opened);

    public void Failed() => Interlocked.Increment(ref _failed);
}

/// <summary>Counts each request on its way to the pool; no await, so it costs both sides the same few nanoseconds.</summary>
internal sealed class RequestCounting(HttpMessageHandler inner, ConnectionCounter counter) : DelegatingHandler(inner)
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        counter.Requested();
        return base.SendAsync(request, cancellationToken);
    }
}
