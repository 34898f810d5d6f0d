using Microsoft.AspNetCore.Http;

namespace Replicate.Testing.Internal;

/// <summary>
/// Serves output files like <c>replicate.delivery</c> does: no auth, exact Content-Length, byte ranges (206),
/// streamed from the file's stream so that a 1 GiB output costs no memory.
/// </summary>
internal static class FileEndpoint
{
    public static async Task ServeAsync(HttpContext context, EmulatorCore core, string path)
    {
        var method = context.Request.Method;
        if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method))
        {
            context.Response.Headers.Allow = "GET, HEAD";
            await HttpResponses.WriteProblemAsync(
                context, StatusCodes.Status405MethodNotAllowed, "Method not allowed", "Files accept GET and HEAD").ConfigureAwait(false);
            return;
        }

        if (core.Files.Find(path) is not { } file)
        {
            await HttpResponses.NotFoundAsync(context, "The requested file does not exist").ConfigureAwait(false);
            return;
        }

        // The result disposes the stream after writing; it also answers Range, If-Range and HEAD.
        var stream = file.Open();
        await Results.Stream(stream, file.ContentType, fileDownloadName: null, enableRangeProcessing: true)
            .ExecuteAsync(context).ConfigureAwait(false);
    }
}
