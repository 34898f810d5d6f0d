using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Replicate.Testing.Internal;

/// <summary>Carries out an <see cref="EmulatorFault"/> instead of the request it matched.</summary>
internal static class FaultInjector
{
    public static async Task ApplyAsync(HttpContext context, EmulatorCore core, EmulatorFault fault)
    {
        switch (fault.Kind)
        {
            case EmulatorFaultKind.ResetConnection:
                context.Abort();
                return;

            case EmulatorFaultKind.Hang:
                using (var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, core.ShuttingDown))
                {
                    try
                    {
                        await Task.Delay(Timeout.InfiniteTimeSpan, core.Time, linked.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        // The client gave up or the emulator is stopping: never send an answer.
                    }
                }

                context.Abort();
                return;

            case EmulatorFaultKind.TruncatedBody:
            {
                var body = Body(fault);
                WriteHead(context, fault);

                // Promise more than is sent, flush what there is so the client starts reading, then cut the line.
                context.Response.ContentLength = body.Length + 1024;
                context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
                try
                {
                    await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
                    await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
                catch (IOException)
                {
                }

                await ConnectionAbort.AbortAfterDrainAsync(context, core.ShuttingDown).ConfigureAwait(false);
                return;
            }

            default:
            {
                var body = Body(fault);
                WriteHead(context, fault);
                context.Response.ContentLength = body.Length;
                await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
                return;
            }
        }
    }

    private static void WriteHead(HttpContext context, EmulatorFault fault)
    {
        var response = context.Response;
        response.StatusCode = fault.StatusCode;
        response.ContentType = fault.ContentType ?? HttpResponses.ProblemContentType;
        if (fault.Headers is { } headers)
        {
            foreach (var (name, value) in headers)
            {
                response.Headers[name] = value;
            }
        }
    }

    private static byte[] Body(EmulatorFault fault) => Encoding.UTF8.GetBytes(
        fault.Body ?? "{\"detail\":\"Injected fault\",\"status\":" + fault.StatusCode.ToString(CultureInfo.InvariantCulture) + "}");
}
