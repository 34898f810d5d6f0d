using System.Text;

namespace Replicate.Testing.Tests;

/// <summary>One parsed server-sent event; <see cref="Data"/> joins several data lines with LF.</summary>
internal sealed record SseEvent(string Event, string? Id, string Data);

/// <summary>
/// A deliberately small SSE reader for assertions on what the emulator puts on the wire: it keeps comments and
/// the raw text so tests can check exact bytes, which a production parser would hide.
/// </summary>
internal sealed class SseReader(Stream stream) : IDisposable
{
    private readonly StreamReader _reader = new(stream, Encoding.UTF8, leaveOpen: true);

    public List<string> Comments { get; } = [];

    public StringBuilder Raw { get; } = new();

    /// <summary>Reads the next event, or null at the end of the stream.</summary>
    public async Task<SseEvent?> ReadAsync(CancellationToken cancellationToken)
    {
        string? type = null;
        string? id = null;
        List<string>? data = null;
        while (true)
        {
            var line = await _reader.ReadLineAsync(cancellationToken);
            if (line is null)
            {
                return null;
            }

            Raw.Append(line).Append('\n');
            if (line.Length == 0)
            {
                if (data is not null || type is not null)
                {
                    return new SseEvent(type ?? "message", id, data is null ? string.Empty : string.Join('\n', data));
                }

                continue;
            }

            if (line[0] == ':')
            {
                Comments.Add(line);
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? string.Empty : line[(colon + 1)..];
            if (value.StartsWith(' '))
            {
                value = value[1..];
            }

            switch (field)
            {
                case "event":
                    type = value;
                    break;
                case "id":
                    id = value;
                    break;
                case "data":
                    (data ??= []).Add(value);
                    break;
            }
        }
    }

    public void Dispose() => _reader.Dispose();

    /// <summary>Reads until <c>done</c> (included) or the end of the stream.</summary>
    public async Task<List<SseEvent>> ReadAllAsync(CancellationToken cancellationToken)
    {
        var events = new List<SseEvent>();
        while (await ReadAsync(cancellationToken) is { } e)
        {
            events.Add(e);
            if (e.Event == "done")
            {
                break;
            }
        }

        return events;
    }
}
