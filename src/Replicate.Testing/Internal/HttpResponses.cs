using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Replicate.Testing.Internal;

/// <summary>How every JSON and problem-details response is written: one buffer, an exact Content-Length.</summary>
internal static class HttpResponses
{
    public const string JsonContentType = "application/json; charset=utf-8";
    public const string ProblemContentType = "application/problem+json";

    public static async Task WriteJsonAsync<TState>(
        HttpContext context, int status, TState state, Action<Utf8JsonWriter, TState> write, int sizeHint = 2048)
    {
        using var buffer = new PooledBufferWriter(sizeHint);
        using (var writer = new Utf8JsonWriter(buffer, WireFormat.WriterOptions))
        {
            write(writer, state);
        }

        await WriteBytesAsync(context, status, JsonContentType, buffer.WrittenMemory).ConfigureAwait(false);
    }

    /// <summary>Writes an RFC 7807 body in Replicate's field order: title, detail, status (plus any extras).</summary>
    public static async Task WriteProblemAsync(
        HttpContext context,
        int status,
        string title,
        string detail,
        Action<Utf8JsonWriter>? extra = null)
    {
        using var buffer = new PooledBufferWriter(512);
        using (var writer = new Utf8JsonWriter(buffer, WireFormat.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("title", title);
            writer.WriteString("detail", detail);
            writer.WriteNumber("status", status);
            extra?.Invoke(writer);
            writer.WriteEndObject();
        }

        await WriteBytesAsync(context, status, ProblemContentType, buffer.WrittenMemory).ConfigureAwait(false);
    }

    public static Task NotFoundAsync(HttpContext context, string detail) =>
        WriteProblemAsync(context, StatusCodes.Status404NotFound, "Not found", detail);

    public static async Task WriteBytesAsync(HttpContext context, int status, string contentType, ReadOnlyMemory<byte> body)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }
}
