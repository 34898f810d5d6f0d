using System.CommandLine;
using System.Text.Json;

namespace Replicate.Cli.Commands;

/// <summary><c>replicate stream MODEL [key=value ...]</c>: output tokens to stdout as they arrive, logs to stderr.</summary>
internal static class StreamCommand
{
    public static Command Create(Interrupt interrupt)
    {
        var inputs = new ModelInputs();
        var command = new Command("stream", "Run a model and print its output as it is generated: tokens to stdout, logs to stderr").WithExamples("""
            replicate stream meta/meta-llama-3-8b-instruct prompt="Write a haiku about the sea"
            replicate stream meta/meta-llama-3-8b-instruct prompt=hi max_tokens=64 2>/dev/null > answer.txt
            replicate stream meta/meta-llama-3-8b-instruct prompt=hi --json    (one JSON line per event: {"event":"output","data":"..."})
            """);
        inputs.AddTo(command);
        CommandRunner.SetAction(command, interrupt, context => StreamAsync(context, inputs));
        return command;
    }

    private static async Task<int> StreamAsync(CliContext context, ModelInputs inputs)
    {
        var model = ModelInputs.Parse(context.Get(inputs.Model)!);
        var client = await context.GetClientAsync().ConfigureAwait(false);
        (model, var input, var options) = await inputs.ReadAsync(context, client, model).ConfigureAwait(false);

        // Created without the interrupt token: a create is quick (no sync wait), and once it answers we hold the id and
        // can cancel the prediction; a create abandoned mid-flight could leave it running unseen.
        var prediction = await client.Predictions.CreateAsync(model, input, options, CancellationToken.None).ConfigureAwait(false);
        if (!context.Json)
        {
            await context.Error.WriteLineAsync($"prediction {prediction.Id} {prediction.Status}").ConfigureAwait(false);
        }

        var canceled = false;
        var endsWithNewLine = false;
        try
        {
            if (prediction.Urls?.Stream is null)
            {
                // The model does not stream: wait and print the whole output at once.
                var final = await client.Predictions.WaitAsync(prediction, null, context.CancellationToken).ConfigureAwait(false);
                if (!final.Status.IsSucceeded)
                {
                    return RunCommand.ReportFailure(context, final);
                }

                await WriteAsync(context, "output", final.Output is { ValueKind: JsonValueKind.String } text ? text.GetString()! : final.Output?.GetRawText() ?? string.Empty).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            await foreach (var e in client.Predictions.StreamAsync(prediction, context.CancellationToken).ConfigureAwait(false))
            {
                if (e.Type == StreamEventType.Output)
                {
                    await WriteAsync(context, "output", e.Data).ConfigureAwait(false);
                    endsWithNewLine = e.Data.Length > 0 ? e.Data.EndsWith('\n') : endsWithNewLine;
                }
                else if (e.Type == StreamEventType.Logs)
                {
                    if (context.Json)
                    {
                        await WriteAsync(context, "logs", e.Data).ConfigureAwait(false);
                    }
                    else
                    {
                        await context.Error.WriteLineAsync(e.Data).ConfigureAwait(false);
                    }
                }
                else if (e.Type == StreamEventType.Done)
                {
                    canceled = e.IsCanceled;
                    if (context.Json)
                    {
                        await WriteAsync(context, "done", e.Data).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (context.Interrupted)
        {
            await context.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            if (!context.Json)
            {
                await context.Out.WriteLineAsync().ConfigureAwait(false);
            }

            return await RunCommand.CancelAsync(context, client, prediction.Id).ConfigureAwait(false);
        }
        catch (PredictionFailedException failed)
        {
            await context.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            return RunCommand.ReportFailure(context, failed.Prediction);
        }

        if (!context.Json && !endsWithNewLine)
        {
            await context.Out.WriteLineAsync().ConfigureAwait(false); // the shell prompt on a line of its own
        }

        await context.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        if (canceled)
        {
            await context.Error.WriteLineAsync($"error: prediction {prediction.Id} was canceled").ConfigureAwait(false);
            return ExitCodes.PredictionFailed;
        }

        return ExitCodes.Success;
    }

    private static async Task WriteAsync(CliContext context, string name, string data)
    {
        if (context.Json)
        {
            await context.Out.WriteLineAsync(Output.ToJson(new StreamLine(name, data), indented: false)).ConfigureAwait(false);
        }
        else
        {
            await context.Out.WriteAsync(data).ConfigureAwait(false);
        }

        await context.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private sealed record StreamLine(string Event, string Data);
}
