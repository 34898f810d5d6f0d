using System.CommandLine;

namespace Replicate.Cli.Commands;

/// <summary><c>replicate predictions list|get|cancel|wait</c>.</summary>
internal static class PredictionsCommand
{
    public static Command Create(Interrupt interrupt)
    {
        var command = new Command("predictions", "List, show, cancel and wait for predictions").WithExamples("""
            replicate predictions list -n 5
            replicate predictions get ufawqhfynnddngldkgtslldrkq
            replicate predictions get ufawqhfynnddngldkgtslldrkq -o images
            replicate predictions wait ufawqhfynnddngldkgtslldrkq --json
            """);

        var limit = Lists.LimitOption();
        var list = new Command("list", "List your most recent predictions, newest first") { limit };
        CommandRunner.SetAction(list, interrupt, async context =>
        {
            var client = await context.GetClientAsync().ConfigureAwait(false);
            var items = await Lists.TakeAsync(client.Predictions.EnumerateAsync(cancellationToken: context.CancellationToken), context.Get(limit), context.CancellationToken).ConfigureAwait(false);
            Output.WriteList(context, items, ["id", "model", "status", "created"], p => new[] { p.Id, p.Model, p.Status.Value, Output.Time(p.CreatedAt) });

            return ExitCodes.Success;
        });

        var getId = Id();
        var getOutputDir = RunCommand.OutputDirOption();
        var get = new Command("get", "Show a prediction: status, input, output, logs (file outputs of a succeeded one are saved, their paths printed)") { getId, getOutputDir };
        CommandRunner.SetAction(get, interrupt, async context =>
        {
            var client = await context.GetClientAsync().ConfigureAwait(false);
            var prediction = await client.Predictions.GetAsync(context.Get(getId)!, context.CancellationToken).ConfigureAwait(false);
            await WriteAsync(context, client, prediction, context.Get(getOutputDir)).ConfigureAwait(false);
            return ExitCodes.Success;
        });

        var cancelId = Id();
        var cancel = new Command("cancel", "Cancel a prediction (a finished one stays as it is)") { cancelId };
        CommandRunner.SetAction(cancel, interrupt, async context =>
        {
            var client = await context.GetClientAsync().ConfigureAwait(false);
            Write(context, await client.Predictions.CancelAsync(context.Get(cancelId)!, context.CancellationToken).ConfigureAwait(false));
            return ExitCodes.Success;
        });

        var waitId = Id();
        var waitOutputDir = RunCommand.OutputDirOption();
        var wait = new Command("wait", "Wait for a prediction to finish and show it as get does; exits 1 if it failed or was canceled. Ctrl+C stops waiting and leaves it running") { waitId, waitOutputDir };
        CommandRunner.SetAction(wait, interrupt, async context =>
        {
            var client = await context.GetClientAsync().ConfigureAwait(false);
            var reporter = new StatusReporter(context);
            var id = context.Get(waitId)!;
            Prediction prediction;
            try
            {
                prediction = await reporter.TrackAsync(id, async () =>
                {
                    var current = await client.Predictions.GetAsync(id, context.CancellationToken).ConfigureAwait(false);
                    reporter.Report(current);
                    return await client.Predictions.WaitAsync(current, reporter, context.CancellationToken).ConfigureAwait(false);
                }).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.Interrupted)
            {
                // This command did not start the prediction, so it only stops waiting.
                await context.Error.WriteLineAsync($"Stopped waiting; prediction {id} is still running (stop it with `replicate predictions cancel {id}`).").ConfigureAwait(false);
                return ExitCodes.Interrupted;
            }

            await WriteAsync(context, client, prediction, context.Get(waitOutputDir)).ConfigureAwait(false);
            return prediction.Status.IsSucceeded ? ExitCodes.Success : ExitCodes.PredictionFailed;
        });

        command.Add(list);
        command.Add(get);
        command.Add(cancel);
        command.Add(wait);
        return command;
    }

    private static Argument<string> Id() => new("ID") { Description = "The prediction id" };

    /// <summary>
    /// A succeeded prediction with file outputs as <c>replicate run</c> shows one (see <see cref="RunCommand.WriteOutputAsync"/>,
    /// which also decides when <c>--json</c> saves them); any other prediction's details.
    /// </summary>
    private static async Task WriteAsync(CliContext context, ReplicateClient client, Prediction prediction, string? outputDir)
    {
        if (prediction.Status.IsSucceeded && client.Predictions.GetOutput(prediction) is { } output && output.AsFiles().Count > 0)
        {
            await RunCommand.WriteOutputAsync(context, output, outputDir).ConfigureAwait(false);
            return;
        }

        Write(context, prediction);
    }

    internal static void Write(CliContext context, Prediction prediction)
    {
        if (context.Json)
        {
            Output.WriteJson(context, prediction);
            return;
        }

        Output.WriteDetails(context,
        [
            ("id", prediction.Id),
            ("model", prediction.Model),
            ("version", prediction.Version),
            ("status", prediction.Status.Value),
            ("created", Output.Time(prediction.CreatedAt)),
            ("started", Output.Time(prediction.StartedAt)),
            ("completed", Output.Time(prediction.CompletedAt)),
            ("input", prediction.Input?.GetRawText()),
            ("output", prediction.Output?.GetRawText()),
            ("error", prediction.Error),
            ("logs", ModelInputs.LastLogLines(prediction.Logs, 5)),
        ]);
    }
}
