using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Replicate.Cli.Commands;

/// <summary><c>replicate run MODEL [key=value ...]</c>: runs a model, waits with a live status, prints or saves the output.</summary>
internal static class RunCommand
{
    public static Command Create(Interrupt interrupt)
    {
        var inputs = new ModelInputs();
        var outputDir = OutputDirOption();
        var noWait = new Option<bool>("--no-wait") { Description = "Create the prediction and print its id without waiting" };
        var command = new Command("run", "Run a model and print its output (file outputs are saved, their paths printed)").WithExamples("""
            replicate run black-forest-labs/flux-schnell prompt="a lighthouse at dusk" num_outputs=2 -o images
            replicate run meta/meta-llama-3-8b-instruct prompt=hi --json | jq -r .id
            replicate run acme/captioner image=@photo.jpg
            echo '{"prompt":"hi"}' | replicate run meta/meta-llama-3-8b-instruct --input-json -
            """);
        inputs.AddTo(command);
        command.Add(outputDir);
        command.Add(noWait);
        CommandRunner.SetAction(command, interrupt, context => RunAsync(context, inputs, outputDir, noWait));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, ModelInputs inputs, Option<string?> outputDirOption, Option<bool> noWait)
    {
        var model = ModelInputs.Parse(context.Get(inputs.Model)!);
        var client = await context.GetClientAsync().ConfigureAwait(false);
        (model, var input, var options) = await inputs.ReadAsync(context, client, model).ConfigureAwait(false);

        if (context.Get(noWait))
        {
            // Not abandoned mid-flight (a create the server already acted on would leave a prediction no one knows of):
            // it is quick, and a Ctrl+C during it cancels the prediction it made.
            var created = await client.Predictions.CreateAsync(model, input, options, CancellationToken.None).ConfigureAwait(false);
            if (context.Interrupted)
            {
                return await CancelAsync(context, client, created.Id).ConfigureAwait(false);
            }

            if (context.Json)
            {
                Output.WriteJson(context, created);
            }
            else
            {
                context.Out.WriteLine(created.Id);
            }

            return ExitCodes.Success;
        }

        // The run is canceled only once the prediction's id is known (the SDK reports it right after the create): a Ctrl+C
        // during the upload of file inputs or the create itself lets the create finish, and then cancels what it made,
        // so nothing is left running on the server unseen. (A second Ctrl+C still exits at once.)
        using var runCancel = new CancellationTokenSource();
        var reporter = new StatusReporter(context, onReport: () =>
        {
            if (context.Interrupted)
            {
                runCancel.Cancel();
            }
        });
        using var interrupted = context.CancellationToken.Register(() =>
        {
            if (reporter.PredictionId is not null)
            {
                runCancel.Cancel();
            }
        });
        PredictionOutput output;
        try
        {
            output = await reporter.TrackAsync(model.ToString(), () => client.RunAsync(model, input, options, reporter, runCancel.Token)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.Interrupted)
        {
            return await CancelAsync(context, client, reporter.PredictionId).ConfigureAwait(false);
        }
        catch (PredictionFailedException failed)
        {
            return ReportFailure(context, failed.Prediction);
        }

        await WriteOutputAsync(context, output, context.Get(outputDirOption)).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>The <c>--output-dir</c> option of the commands that save output files.</summary>
    internal static Option<string?> OutputDirOption() => new("--output-dir", "-o")
    {
        Description = "Where output files are saved (default: the current folder)",
        HelpName = "dir",
    };

    /// <summary>
    /// Prints a succeeded prediction's output the way <c>replicate run</c> does: file outputs saved into
    /// <paramref name="outputDir"/> (with <c>--json</c> only when it is given) and their paths printed, text as text,
    /// anything else as JSON; with <c>--json</c>, the prediction.
    /// </summary>
    internal static async Task WriteOutputAsync(CliContext context, PredictionOutput output, string? outputDir)
    {
        var files = output.AsFiles();
        IReadOnlyList<string> saved = [];
        if (files.Count > 0 && (!context.Json || outputDir is not null))
        {
            saved = await OutputFiles.SaveAsync(files, outputDir ?? ".", context.CancellationToken).ConfigureAwait(false);
        }

        if (context.Json)
        {
            Output.WriteJson(context, output.Prediction);
        }
        else if (saved.Count > 0 && OnlyFiles(output.Json))
        {
            foreach (var path in saved)
            {
                context.Out.WriteLine(path);
            }
        }
        else if (saved.Count > 0)
        {
            // Files beside other values (an object with an image and a caption): the whole output, each file's URL
            // replaced by where it was saved.
            var paths = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < files.Count; i++)
            {
                paths.TryAdd(files[i].Uri.OriginalString, saved[i]);
            }

            context.Out.WriteLine(Replace(JsonNode.Parse(output.Json.GetRawText()), paths)?.ToJsonString(JsonIndented) ?? "null");
        }
        else
        {
            context.Out.WriteLine(Text(output));
        }

        await context.Out.FlushAsync(context.CancellationToken).ConfigureAwait(false);
    }

    /// <summary>After Ctrl+C: make sure the prediction is canceled on the server (the SDK cancels it too; this confirms and reports).</summary>
    internal static async Task<int> CancelAsync(CliContext context, ReplicateClient client, string? predictionId)
    {
        if (predictionId is null)
        {
            await context.Error.WriteLineAsync("Interrupted before the prediction was created.").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            var canceled = await client.Predictions.CancelAsync(predictionId, timeout.Token).ConfigureAwait(false);
            await context.Error.WriteLineAsync($"Canceled prediction {predictionId} on the server (status: {canceled.Status}).").ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ReplicateException or HttpRequestException or OperationCanceledException or TimeoutException)
        {
            await context.Error.WriteLineAsync($"Interrupted, but could not confirm that prediction {predictionId} was canceled: {ex.Message}").ConfigureAwait(false);
            await context.Error.WriteLineAsync($"hint: run `replicate predictions cancel {predictionId}`.").ConfigureAwait(false);
        }

        return ExitCodes.Interrupted;
    }

    internal static int ReportFailure(CliContext context, Prediction prediction)
    {
        if (context.Json)
        {
            Output.WriteJson(context, prediction);
        }

        context.Error.WriteLine($"error: prediction {prediction.Id} {prediction.Status}" + (prediction.Error is { } error ? ": " + error : string.Empty));
        if (ModelInputs.LastLogLines(prediction.Logs, 10) is { } logs)
        {
            context.Error.WriteLine("logs (last lines):");
            context.Error.WriteLine(logs);
        }

        context.Error.Flush();
        return ExitCodes.PredictionFailed;
    }

    /// <summary>Whether the output is a file URL, or an array of them: then the saved paths, one a line, say it all.</summary>
    private static bool OnlyFiles(JsonElement output) => output.ValueKind switch
    {
        JsonValueKind.String => true,
        JsonValueKind.Array => output.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String),
        _ => false,
    };

    private static JsonNode? Replace(JsonNode? node, Dictionary<string, string> paths)
    {
        switch (node)
        {
            case JsonValue value when value.TryGetValue<string>(out var text) && paths.TryGetValue(text, out var path):
                return JsonValue.Create(path);
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    array[i] = Replace(array[i]?.DeepClone(), paths);
                }

                return array;
            case JsonObject obj:
                foreach (var name in obj.Select(p => p.Key).ToList())
                {
                    obj[name] = Replace(obj[name]?.DeepClone(), paths);
                }

                return obj;
            default:
                return node;
        }
    }

    /// <summary>Text as text (token arrays joined), anything else as JSON.</summary>
    private static string Text(PredictionOutput output) => output.Json.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => string.Empty,
        JsonValueKind.String => output.Json.GetString()!,
        JsonValueKind.Array when output.Json.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) => output.ToString(),
        _ => JsonSerializer.Serialize(output.Json, JsonIndented),
    };

    private static readonly JsonSerializerOptions JsonIndented = new() { WriteIndented = true };
}
