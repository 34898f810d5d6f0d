using System.Text;

namespace Replicate.Testing.Internal;

/// <summary>
/// One server-sent event of a prediction, encoded once when it happens so that every stream connection (and
/// every replay) writes the same bytes without re-formatting.
/// </summary>
internal sealed class PredictionEvent
{
    private PredictionEvent(string type, int sequence, string? id, string data, byte[] encoded)
    {
        Type = type;
        Sequence = sequence;
        Id = id;
        Data = data;
        Encoded = encoded;
    }

    public string Type { get; }

    /// <summary>Position in the prediction's event list; ids carry it so <c>Last-Event-ID</c> can resume.</summary>
    public int Sequence { get; }

    public string? Id { get; }

    public string Data { get; }

    public byte[] Encoded { get; }

    public bool IsDone => Type == "done";

    /// <summary>
    /// Encodes an event per the SSE spec: <c>event:</c>, optional <c>id:</c>, one <c>data:</c> line per line of
    /// data (a CR, LF or CRLF in the data starts a new line), then a blank line.
    /// </summary>
    public static PredictionEvent Create(string type, int sequence, string? id, string data)
    {
        var text = new StringBuilder(data.Length + 48);
        text.Append("event: ").Append(type).Append('\n');
        if (id is not null)
        {
            text.Append("id: ").Append(id).Append('\n');
        }

        var normalized = data.Contains('\r', StringComparison.Ordinal)
            ? data.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n')
            : data;
        foreach (var line in normalized.Split('\n'))
        {
            text.Append("data: ").Append(line).Append('\n');
        }

        text.Append('\n');
        return new PredictionEvent(type, sequence, id, data, Encoding.UTF8.GetBytes(text.ToString()));
    }
}
