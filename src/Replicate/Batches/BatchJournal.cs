using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Replicate;

/// <summary>
/// A batch's append-only journal: JSON Lines, a header naming the model, then per item <c>started</c> (its input's
/// fingerprint, the exact JSON sent and the time; flushed to disk with fsync before the create is sent),
/// <c>created</c> (the prediction id), and <c>done</c> (the final prediction) or <c>failed</c>. The file is held open
/// by one batch at a time. A torn last line (a power cut mid-write) is dropped and
/// overwritten; any other bad line makes the journal unusable, loudly.
/// </summary>
/// <remarks>
/// Guarantee: a <c>started</c> record is on disk before its create leaves the process, so after a crash or power cut
/// every create that may have reached the server is known. Later records are written to the OS at once (surviving a
/// killed process) and reach the disk with the next fsync; one lost to a power cut only makes resume look the item up.
/// </remarks>
internal sealed class BatchJournal : IDisposable
{
    internal const string Format = "replicate-batch-journal";
    internal const int Version = 1;

    private readonly FileStream _file;
    private readonly Dictionary<long, JournalItem> _items;
    private readonly object _gate = new();
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);

    private BatchJournal(string path, FileStream file, Dictionary<long, JournalItem> items)
    {
        Path = path;
        _file = file;
        _items = items;
    }

    public string Path { get; }

    /// <summary>Gets how many items the journal knew of when opened.</summary>
    public int Count => _items.Count;

    /// <summary>Gets the ids of every prediction the journal names, so a search for an item in doubt never takes another item's.</summary>
    public IEnumerable<string> KnownIds => _items.Values.Select(i => i.Id).OfType<string>();

    /// <summary>Gets how many items the journal has as finished, awaited by id, and in doubt (started, no id).</summary>
    public (int Finished, int Known, int InDoubt) Counts =>
        (_items.Values.Count(i => i.Final is not null || i.Error is not null),
         _items.Values.Count(i => i.Id is not null && i.Final is null && i.Error is null),
         _items.Values.Count(i => i.Id is null && i.Final is null && i.Error is null && i.Input is not null));

    /// <summary>Gets when the earliest item whose create may or may not have reached the server was started, if any.</summary>
    public DateTimeOffset? EarliestInDoubt { get; private set; }

    /// <summary>Opens (or creates) the journal of a batch of <paramref name="model"/>; refuses a file that is not one, or is another model's.</summary>
    public static BatchJournal Open(string path, string model, TimeProvider time)
    {
        var full = System.IO.Path.GetFullPath(path);
        FileStream file;
        try
        {
            // Exclusive (an flock on Unix): two batches appending to one journal would corrupt each other's resume.
            file = new FileStream(full, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 4096, FileOptions.None);
        }
        catch (IOException ex)
        {
            throw new BatchJournalException($"The batch journal '{full}' cannot be opened for writing ({ex.Message}); is another batch using it?", ex) { JournalPath = full };
        }

        try
        {
            var items = new Dictionary<long, JournalItem>();
            var validLength = Load(file, full, model, items);
            var journal = new BatchJournal(full, file, items)
            {
                EarliestInDoubt = items.Values.Where(i => i.Id is null && i.Final is null && i.Error is null).Min(i => i.StartedAt),
            };
            if (validLength < file.Length)
            {
                // A torn last line: drop it, so the next record starts on a line of its own.
                file.SetLength(validLength);
            }

            file.Seek(0, SeekOrigin.End);
            if (validLength == 0)
            {
                journal.Append(w =>
                {
                    w.WriteString("format", Format);
                    w.WriteNumber("version", Version);
                    w.WriteString("model", model);
                    w.WriteString("created_at", ReplicateTransport.FormatTimestamp(time.GetUtcNow()));
                }, flushToDisk: true);
            }

            return journal;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Gets what the journal knows of item <paramref name="index"/>, or <see langword="null"/>.</summary>
    public JournalItem? Get(long index)
    {
        lock (_gate)
        {
            return _items.GetValueOrDefault(index);
        }
    }

    /// <summary>Records that the item's create is about to be sent (on disk before this returns).</summary>
    public void Started(long index, string fingerprint, ReadOnlyMemory<byte> input, DateTimeOffset at) =>
        Append(w =>
        {
            w.WriteNumber("i", index);
            w.WriteString("s", "started");
            w.WriteString("h", fingerprint);
            w.WriteString("t", ReplicateTransport.FormatTimestamp(at));
            w.WritePropertyName("in");
            w.WriteRawValue(input.Span, skipInputValidation: true);
        }, flushToDisk: true);

    /// <summary>Records the item's prediction id.</summary>
    public void Created(long index, string id) =>
        Append(w =>
        {
            w.WriteNumber("i", index);
            w.WriteString("s", "created");
            w.WriteString("id", id);
        }, flushToDisk: false);

    /// <summary>Records the item's prediction in its final state.</summary>
    public void Done(long index, Prediction prediction) =>
        Append(w =>
        {
            w.WriteNumber("i", index);
            w.WriteString("s", "done");
            w.WritePropertyName("p");
            JsonSerializer.Serialize(w, prediction, ReplicateJsonContext.Default.Prediction);
        }, flushToDisk: false);

    /// <summary>Records that the item failed without a prediction (refused, or its input is bad).</summary>
    public void Failed(long index, string? fingerprint, string error) =>
        Append(w =>
        {
            w.WriteNumber("i", index);
            w.WriteString("s", "failed");
            if (fingerprint is not null)
            {
                w.WriteString("h", fingerprint);
            }

            w.WriteString("error", error);
        }, flushToDisk: false);

    public void Dispose()
    {
        lock (_gate)
        {
            try
            {
                _file.Flush(flushToDisk: true);
            }
            catch (IOException)
            {
                // Closing anyway: what was written reached the OS.
            }

            _file.Dispose();
        }
    }

    private void Append(Action<Utf8JsonWriter> write, bool flushToDisk)
    {
        lock (_gate)
        {
            _buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(_buffer))
            {
                writer.WriteStartObject();
                write(writer);
                writer.WriteEndObject();
            }

            _buffer.Write("\n"u8);

            // One write per record: a crash leaves whole lines and at most one torn one at the end.
            try
            {
                _file.Write(_buffer.WrittenSpan);
                _file.Flush(flushToDisk);
            }
            catch (IOException ex)
            {
                // Without its journal the batch could pay twice after a crash: it stops.
                throw new BatchJournalException($"The batch journal '{Path}' cannot be written ({ex.Message}); the batch stopped rather than run unjournaled.", ex) { JournalPath = Path };
            }
        }
    }

    /// <summary>Reads the journal into <paramref name="items"/>; returns the length of its valid part.</summary>
    private static long Load(FileStream file, string path, string model, Dictionary<long, JournalItem> items)
    {
        if (file.Length == 0)
        {
            return 0;
        }

        file.Seek(0, SeekOrigin.Begin);
        var content = new byte[file.Length];
        file.ReadExactly(content);
        var span = content.AsSpan();
        long offset = 0;
        var lineNumber = 0;
        while (offset < content.Length)
        {
            var rest = span[(int)offset..];
            var newline = rest.IndexOf((byte)'\n');
            var line = newline < 0 ? rest : rest[..newline];
            lineNumber++;
            JsonDocument? document = null;
            try
            {
                document = line.Trim((byte)' ').IsEmpty ? null : JsonDocument.Parse(content.AsMemory((int)offset, line.Length));
            }
            catch (JsonException) when (newline < 0 || offset + newline + 1 == content.Length)
            {
                // The last line, unterminated or unreadable: torn by a crash mid-write. Dropped.
                return lineNumber == 1 ? throw NotAJournal(path, null) : offset;
            }
            catch (JsonException ex)
            {
                throw lineNumber == 1
                    ? NotAJournal(path, ex)
                    : new BatchJournalException($"The batch journal '{path}' is damaged: line {lineNumber} is not a JSON record ({ex.Message}), and it is not the last line, so it was not cut by a crash. Nothing was created; move the file away to start over.", ex) { JournalPath = path };
            }

            if (newline < 0)
            {
                // A whole record with no newline: written in full, cut before its "\n". Dropped like a torn line.
                document?.Dispose();
                return lineNumber == 1 ? throw NotAJournal(path, null) : offset;
            }

            using (document)
            {
                if (lineNumber == 1)
                {
                    ReadHeader(document?.RootElement, path, model);
                }
                else if (document is not null)
                {
                    try
                    {
                        ReadRecord(document.RootElement, path, lineNumber, items);
                    }
                    catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException or JsonException)
                    {
                        throw new BatchJournalException($"The batch journal '{path}' is damaged: line {lineNumber} is not a complete journal record ({ex.Message}).", ex) { JournalPath = path };
                    }
                }
            }

            offset += newline + 1;
        }

        return offset;
    }

    private static void ReadHeader(JsonElement? header, string path, string model)
    {
        if (header is not { ValueKind: JsonValueKind.Object } root
            || !root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String || format.GetString() != Format)
        {
            throw NotAJournal(path, null);
        }

        if (!root.TryGetProperty("version", out var version) || !version.TryGetInt32(out var number) || number != Version)
        {
            throw new BatchJournalException($"The batch journal '{path}' has format version {(root.TryGetProperty("version", out var v) ? v.GetRawText() : "(none)")}; this SDK reads version {Version}.") { JournalPath = path };
        }

        var written = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        if (!string.Equals(written, model, StringComparison.Ordinal))
        {
            throw new BatchJournalException($"The batch journal '{path}' was written for another batch: model '{written}', while this batch runs '{model}'. Use another journal path, or move the file away to start over.") { JournalPath = path };
        }
    }

    private static void ReadRecord(JsonElement record, string path, int lineNumber, Dictionary<long, JournalItem> items)
    {
        if (record.ValueKind != JsonValueKind.Object
            || !record.TryGetProperty("i", out var i) || !i.TryGetInt64(out var index) || index < 0
            || !record.TryGetProperty("s", out var s) || s.ValueKind != JsonValueKind.String)
        {
            throw new BatchJournalException($"The batch journal '{path}' is damaged: line {lineNumber} is not a journal record (it needs \"i\" and \"s\").") { JournalPath = path };
        }

        var item = items.TryGetValue(index, out var existing) ? existing : items[index] = new JournalItem(index);
        switch (s.GetString())
        {
            case "started":
                item.Fingerprint = record.GetProperty("h").GetString();
                item.StartedAt = DateTimeOffset.Parse(record.GetProperty("t").GetString()!, CultureInfo.InvariantCulture);
                item.Input = Encoding.UTF8.GetBytes(record.GetProperty("in").GetRawText());
                break;
            case "created":
                item.Id = record.GetProperty("id").GetString();
                break;
            case "done":
                var prediction = record.GetProperty("p").Deserialize(ReplicateJsonContext.Default.Prediction)!;
                item.Final = prediction;
                item.Id = prediction.Id;
                break;
            case "failed":
                if (record.TryGetProperty("h", out var h))
                {
                    item.Fingerprint = h.GetString();
                }

                item.Error = record.GetProperty("error").GetString();
                break;
            default:
                throw new BatchJournalException($"The batch journal '{path}' is damaged: line {lineNumber} has the unknown state {s.GetRawText()}.") { JournalPath = path };
        }
    }

    private static BatchJournalException NotAJournal(string path, Exception? inner) =>
        new($"'{path}' is not a batch journal (its first line is not a {Format} header). Pass a new path, or the journal an earlier run of this batch wrote; nothing was written to this file.", inner)
        {
            JournalPath = path,
        };
}

/// <summary>What a journal says of one item.</summary>
internal sealed class JournalItem(long index)
{
    public long Index { get; } = index;

    public string? Fingerprint { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    /// <summary>The exact input JSON the create sent (its files' URLs included).</summary>
    public byte[]? Input { get; set; }

    public string? Id { get; set; }

    public Prediction? Final { get; set; }

    public string? Error { get; set; }
}
