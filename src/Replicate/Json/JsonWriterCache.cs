using System.Buffers;
using System.Text.Json;

namespace Replicate;

/// <summary>
/// One <see cref="Utf8JsonWriter"/> per thread, reset onto each output, as System.Text.Json keeps its own: writing a
/// request body or an input then allocates no writer. A writer is out of the slot while rented, so JSON written inside
/// a callback that writes JSON gets a writer of its own.
/// </summary>
internal static class JsonWriterCache
{
    [ThreadStatic]
    private static Utf8JsonWriter? Cached;

    public static Utf8JsonWriter Rent(IBufferWriter<byte> output)
    {
        var writer = Cached;
        if (writer is null)
        {
            return new Utf8JsonWriter(output);
        }

        Cached = null;
        writer.Reset(output);
        return writer;
    }

    /// <summary>Flushes <paramref name="writer"/> into its output and keeps it for the next <see cref="Rent"/> on this thread.</summary>
    public static void Return(Utf8JsonWriter writer)
    {
        writer.Flush();
        writer.Reset();
        Cached = writer;
    }
}
