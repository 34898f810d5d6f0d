using System.Net;
using System.Text;

namespace Replicate;

/// <summary>
/// A <c>multipart/form-data</c> upload body that says when it has been sent whole, so the retry handler can start the
/// time to response headers then: sending a large file takes as long as it takes, but a server that received it all
/// and then never answers must not hang the upload forever.
/// </summary>
internal sealed class UploadContent() : MultipartContent("form-data")
{
    /// <summary>Gets or sets what to do once the whole body was written (set per attempt by the retry handler).</summary>
    public Action? Sent { get; set; }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await base.SerializeToStreamAsync(stream, context, cancellationToken).ConfigureAwait(false);
        Sent?.Invoke();
    }

    /// <summary>Creates the body with UTF-8 part headers (a quoted UTF-8 file name, as browsers send it).</summary>
    public static UploadContent Create() => new() { HeaderEncodingSelector = static (_, _) => Encoding.UTF8 };
}
