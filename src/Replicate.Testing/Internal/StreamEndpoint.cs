using System.Buffers;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Replicate.Testing.Internal;

/// <summary>
/// <c>GET /v1/streams/{id}</c>: the prediction's server-sent events. A connection replays every event from the
/// start (or after <c>Last-Event-ID</c>), then follows live events until <c>done</c>.
/// </summary>
internal static class StreamEndpoint
{
    private static readonly byte[] Preamble = ": hi\n\n"u8.ToArray();

    /// <summary>How much of a backlog is written before a flush: replaying a finished stream flushed every event.</summary>
    private const int FlushThreshold = 64 * 1024;

    public static async Task StreamAsync(HttpContext context, EmulatorCore core, string id)
    {
        if (core.FindPrediction(id) is not { } state)
        {
            await HttpResponses.NotFoundAsync(context, "The requested stream does not exist").ConfigureAwait(false);
            return;
        }

        var lastEventId = context.Request.Headers["Last-Event-ID"].ToString();
        var options = core.Options;
        if (lastEventId.Length > 0 && !options.StreamResumeSupported)
        {
            await HttpResponses.WriteProblemAsync(
                context, StatusCodes.Status410Gone, "Gone", "This stream cannot be resumed; start a new one").ConfigureAwait(false);
            return;
        }

        var skipThrough = ParseSequence(lastEventId);
        var dropAfter = core.TakeDropStreamAfterEvents();
        var chunkSize = options.StreamWriteChunkSize;
        var pacing = options.StreamEventPacing;

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-store";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        core.StreamOpened();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, core.ShuttingDown);
        var token = linked.Token;
        try
        {
            await WriteAsync(response.Body, Preamble, chunkSize, token).ConfigureAwait(false);

            // Events already stored (a replay, a burst) go out in large writes; one at a time only when the test asked
            // for fragmented or paced writes.
            var coalesce = chunkSize <= 0 && pacing <= TimeSpan.Zero;
            var writer = response.BodyWriter;
            var pending = 0;
            var batch = new List<PredictionEvent>();
            var next = 0;
            var written = 0;
            while (true)
            {
                batch.Clear();
                var changed = state.ReadEvents(next, batch);
                next += batch.Count;
                foreach (var e in batch)
                {
                    if (e.Id is not null && e.Sequence <= skipThrough)
                    {
                        continue;
                    }

                    if (written > 0 && pacing > TimeSpan.Zero)
                    {
                        await Task.Delay(pacing, core.Time, token).ConfigureAwait(false);
                    }

                    if (coalesce)
                    {
                        writer.Write(e.Encoded);
                        pending += e.Encoded.Length;
                    }
                    else
                    {
                        await WriteAsync(response.Body, e.Encoded, chunkSize, token).ConfigureAwait(false);
                    }

                    written++;
                    var last = e.IsDone || (dropAfter > 0 && written >= dropAfter);
                    if (pending >= FlushThreshold || (last && pending > 0))
                    {
                        await writer.FlushAsync(token).ConfigureAwait(false);
                        pending = 0;
                    }

                    if (e.IsDone)
                    {
                        return;
                    }

                    if (dropAfter > 0 && written >= dropAfter)
                    {
                        // An abrupt cut with no done: what a client sees when a proxy or network drops it.
                        await ConnectionAbort.AbortAfterDrainAsync(context, token).ConfigureAwait(false);
                        return;
                    }
                }

                if (pending > 0)
                {
                    await writer.FlushAsync(token).ConfigureAwait(false);
                    pending = 0;
                }

                await changed.WaitAsync(token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away or the emulator is stopping.
        }
        catch (IOException)
        {
            // Includes Kestrel's ConnectionResetException.
        }
        finally
        {
            core.StreamClosed();
        }
    }

    /// <summary>Ids are <c>{unixSeconds}:{sequence}</c>; resume after the sequence. Unreadable ids replay all.</summary>
    private static int ParseSequence(string lastEventId)
    {
        var colon = lastEventId.LastIndexOf(':');
        return colon >= 0 && int.TryParse(lastEventId.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            ? sequence
            : -1;
    }

    private static async Task WriteAsync(Stream body, byte[] bytes, int chunkSize, CancellationToken token)
    {
        if (chunkSize <= 0 || chunkSize >= bytes.Length)
        {
            await body.WriteAsync(bytes, token).ConfigureAwait(false);
            await body.FlushAsync(token).ConfigureAwait(false);
            return;
        }

        for (var offset = 0; offset < bytes.Length; offset += chunkSize)
        {
            await body.WriteAsync(bytes.AsMemory(offset, Math.Min(chunkSize, bytes.Length - offset)), token).ConfigureAwait(false);
            await body.FlushAsync(token).ConfigureAwait(false);
        }
    }
}
