using System.Net;
using System.Net.Http.Headers;

namespace Replicate.Benchmarks.Micro;

/// <summary>
/// An in-memory <see cref="HttpMessageHandler"/> that answers every request with the same body, so a micro benchmark
/// measures what a client does around a request (headers, serialization, retries, parsing) without sockets or a server.
/// The request body is read, as a real handler would send it.
/// </summary>
public sealed class CannedHandler(byte[] body, string contentType, HttpStatusCode status = HttpStatusCode.OK) : HttpMessageHandler
{
    private readonly MediaTypeHeaderValue _contentType = MediaTypeHeaderValue.Parse(contentType);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is not null)
        {
            await request.Content.CopyToAsync(Stream.Null, cancellationToken);
        }

        var content = new ByteArrayContent(body);
        content.Headers.ContentType = _contentType;
        return new HttpResponseMessage(status) { Content = content, RequestMessage = request };
    }
}
