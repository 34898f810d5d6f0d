using System.Net;

namespace Replicate;

/// <summary>
/// The content part of an upload, copied from its stream with a pooled buffer so a file of any size costs no memory.
/// Unlike <see cref="StreamContent"/> it can leave a caller's stream open. A seekable stream rewinds to where it
/// started on every send (so a throttled upload can be retried); one that cannot seek refuses a second send.
/// </summary>
internal sealed class StreamUploadContent : HttpContent
{
    private const int CopyBufferSize = 81920;
    private readonly Stream _source;
    private readonly bool _ownsStream;
    private readonly long _start;
    private bool _sent;

    public StreamUploadContent(Stream source, bool ownsStream)
    {
        if (!source.CanRead)
        {
            throw new ArgumentException("The stream to upload cannot be read.", nameof(source));
        }

        _source = source;
        _ownsStream = ownsStream;
        _start = source.CanSeek ? source.Position : -1;
    }

    /// <summary>Gets whether the content can be sent again after a first attempt.</summary>
    public bool CanResend => _start >= 0;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (_start >= 0)
        {
            _source.Position = _start;
        }
        else if (_sent)
        {
            throw new InvalidOperationException("The upload's stream cannot seek, so its content cannot be sent a second time.");
        }

        _sent = true;
        await _source.CopyToAsync(stream, CopyBufferSize, cancellationToken).ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _start >= 0 ? _source.Length - _start : 0;
        return _start >= 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _ownsStream)
        {
            _source.Dispose();
        }

        base.Dispose(disposing);
    }
}
