using System.Net;
using System.Net.Sockets;

namespace Replicate.Extensions.AI;

/// <summary>
/// Which output URLs an adapter downloads on its own. A model's output is untrusted: without this, a model could make
/// the app fetch <c>http://169.254.169.254/</c> (cloud metadata) or a service on the app's private network and hand
/// the answer back as an "image". Only HTTPS URLs on public addresses are fetched, except that an app talking to a
/// loopback API (the emulator) may fetch loopback URLs, which is where the emulator serves its files.
/// </summary>
internal static class OutputUrlPolicy
{
    /// <summary>Throws unless <paramref name="url"/> may be downloaded for a client whose API is at <paramref name="apiBase"/>;
    /// the message ends with <paramref name="instead"/>, what the caller can do to get the URL without the download.</summary>
    public static async Task EnsureMayDownloadAsync(Uri url, Uri apiBase, string instead, CancellationToken cancellationToken)
    {
        if (url.Scheme == "data")
        {
            return;
        }

        var loopbackApi = apiBase.IsLoopback;
        string? refusal = null;
        if (loopbackApi && url.IsLoopback && url.Scheme is "http" or "https")
        {
            return;
        }

        if (url.Scheme != Uri.UriSchemeHttps)
        {
            refusal = "it is not HTTPS";
        }
        else if (url.IsLoopback || url.HostNameType == UriHostNameType.Dns && url.IdnHost.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            refusal = "it is a loopback address";
        }
        else if (url.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6)
        {
            refusal = IsPublic(IPAddress.Parse(url.IdnHost)) ? null : "it is a private, link-local or reserved address";
        }
        else
        {
            IPAddress[] addresses;
            try
            {
                addresses = await Dns.GetHostAddressesAsync(url.IdnHost, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                addresses = [];
            }

            refusal = addresses.Length == 0 ? "its host name does not resolve"
                : Array.TrueForAll(addresses, IsPublic) ? null
                : "its host name resolves to a private, link-local or reserved address";
        }

        if (refusal is not null)
        {
            throw new ReplicateException(
                $"Refused to download the model's output {url.GetLeftPart(UriPartial.Path)}: {refusal}. Model output is untrusted; {instead}.");
        }
    }

    /// <summary>Whether an address is on the public internet (not loopback, private, link-local, CGNAT, multicast or unspecified).</summary>
    internal static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var first = address.GetAddressBytes()[0];
            return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || (first & 0xFE) == 0xFC);
        }

        var b = address.GetAddressBytes();
        return !(b[0] == 10 || b[0] == 0 || b[0] >= 224
            || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
            || (b[0] == 192 && b[1] == 168)
            || (b[0] == 169 && b[1] == 254)
            || (b[0] == 100 && b[1] >= 64 && b[1] <= 127));
    }
}
