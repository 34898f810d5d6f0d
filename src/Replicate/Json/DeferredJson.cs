using System.Text.Json;

namespace Replicate;

/// <summary>
/// A field read from a buffered response kept as a copy of its raw UTF-8 until someone reads it. Listing predictions
/// is mostly about ids and statuses; materializing every input, output and URL of every item (JSON documents, URL
/// strings) cost more than the rest of the page, and most of it was never looked at.
/// </summary>
/// <remarks>
/// A slot holds <see langword="null"/>, the raw <c>byte[]</c> (already validated by the reader that copied it), or the
/// materialized value. Materializing races benignly: two threads may both parse, one result is published, and every
/// reader sees the same value from then on.
/// </remarks>
internal static class DeferredJson
{
    /// <summary>Reads a slot that holds a <see cref="JsonElement"/> (boxed) or its raw bytes.</summary>
    public static JsonElement? Element(ref object? slot)
    {
        var state = Volatile.Read(ref slot);
        if (state is byte[] utf8)
        {
            var reader = new Utf8JsonReader(utf8);
            reader.Read();
            state = Publish(ref slot, utf8, JsonElement.ParseValue(ref reader));
        }

        return state is JsonElement element ? element : null;
    }

    /// <summary>Reads a slot that holds a <typeparamref name="T"/> or the raw bytes <paramref name="parse"/> turns into one.</summary>
    public static T? Value<T>(ref object? slot, Func<byte[], T> parse)
        where T : class
    {
        var state = Volatile.Read(ref slot);
        if (state is byte[] utf8)
        {
            state = Publish(ref slot, utf8, parse(utf8));
        }

        return (T?)state;
    }

    /// <summary>
    /// Copies the raw bytes of the value the reader is on and skips past it (the skip validates it). The reader must
    /// read <paramref name="source"/> from its first byte, as one span.
    /// </summary>
    public static byte[] Copy(ref Utf8JsonReader reader, ReadOnlySpan<byte> source)
    {
        var start = reader;
        reader.Skip();
        return Copy(start, reader, source);
    }

    /// <summary>Copies the raw bytes from the token <paramref name="start"/> is on to the end of the one <paramref name="end"/> is on.</summary>
    public static byte[] Copy(in Utf8JsonReader start, in Utf8JsonReader end, ReadOnlySpan<byte> source) =>
        source[checked((int)start.TokenStartIndex)..checked((int)end.BytesConsumed)].ToArray();

    private static object Publish(ref object? slot, byte[] raw, object value) =>
        Interlocked.CompareExchange(ref slot, value, raw) is byte[] ? value : Volatile.Read(ref slot)!;
}
