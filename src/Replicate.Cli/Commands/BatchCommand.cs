using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Replicate.Cli.Commands;

/// <summary>
/// <c>replicate batch MODEL --inputs file.jsonl</c>: runs the model once per input line through the SDK's batch API
/// (bounded concurrency, the account's rate limits, one 429 pauses every worker), prints one JSON line per result as it
/// finishes, shows progress with rate and ETA on a terminal, and resumes from <c>--journal</c> after a crash or Ctrl+C
/// without paying twice for an item.
/// </summary>
internal static class BatchCommand
{
    public static Command Create(Interrupt interrupt)
    {
        var model = new Argument<string>("MODEL") { Description = "owner/name, owner/name:version, a version id, or deployment:owner/name" };
        var inputs = new Option<string>("--inputs", "-i")
        {
            Description = "The inputs: JSON lines, one input object per line (blank lines skipped), from a file or - for stdin",
            Required = true,
            HelpName = "file.jsonl|-",
        };
        var concurrency = new Option<int>("--concurrency", "-c") { Description = "Predictions running at once", DefaultValueFactory = _ => 16, HelpName = "n" };
        var journal = new Option<string?>("--journal")
        {
            Description = "Append what the batch does to this file, flushed before each create; run again with it to resume without paying twice",
            HelpName = "file",
        };
        var outputDir = new Option<string?>("--output-dir", "-o")
        {
            Description = "Save each item's output files under dir/<index>/ (their paths go in the result line)",
            HelpName = "dir",
        };
        var preserveOrder = new Option<bool>("--preserve-order") { Description = "Print results in input order (default: as they finish)" };
        var command = new Command("batch", "Run a model over many inputs (JSON lines) at the account's rate limit, resumable with a journal").WithExamples("""
            replicate batch black-forest-labs/flux-schnell --inputs prompts.jsonl --journal flux.journal -o images > results.jsonl
            cat inputs.jsonl | replicate batch acme/captioner --inputs - --concurrency 32 | jq -r 'select(.status != "succeeded")'
            replicate --emulator batch replicate/hello-world --inputs names.jsonl
            """);
        command.Add(model);
        command.Add(inputs);
        command.Add(concurrency);
        command.Add(journal);
        command.Add(outputDir);
        command.Add(preserveOrder);
        CommandRunner.SetAction(command, interrupt, context => RunAsync(context, model, inputs, concurrency, journal, outputDir, preserveOrder));
        return command;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Inputs are JsonObjects, which serialize without reflection metadata; the tool is not trimmed.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Inputs are JsonObjects; the tool is not compiled ahead of time.")]
    private static async Task<int> RunAsync(
        CliContext context, Argument<string> modelArgument, Option<string> inputsOption, Option<int> concurrencyOption, Option<string?> journalOption, Option<string?> outputDirOption, Option<bool> preserveOrderOption)
    {
        var concurrency = context.Get(concurrencyOption);
        if (concurrency is < 1 or > 1000)
        {
            throw CliException.Usage($"--concurrency must be between 1 and 1000; got {concurrency}.");
        }

        var source = context.Get(inputsOption)!;
        if (source != "-" && !File.Exists(source))
        {
            throw CliException.Usage($"The inputs file '{source}' does not exist.", "Pass a JSON lines file, or - to read stdin.");
        }

        var model = ModelInputs.Parse(context.Get(modelArgument)!);
        var client = await context.GetClientAsync().ConfigureAwait(false);
        var (version, run) = await ModelInputs.FindAsync(client, model, context.CancellationToken).ConfigureAwait(false);
        var progress = new ProgressState();
        var options = new BatchOptions
        {
            MaxConcurrency = concurrency,
            PreserveOrder = context.Get(preserveOrderOption),
            JournalPath = context.Get(journalOption),
            TotalCount = source == "-" ? null : CountLines(source),
            Progress = progress,
            Prediction = new PredictionOptions
            {
                // Create, then poll: a Ctrl+C finds every running item's id, so each is canceled before the tool exits.
                Wait = TimeSpan.Zero,
                ValidateInput = version is not null && run.HasModel && !run.IsDeployment,
            },
        };
        var outputDir = context.Get(outputDirOption);
        var failed = 0L;
        var succeeded = 0L;
        var lines = ReadLinesAsync(source == "-" ? context.Input : null, source, context.CancellationToken);
        var results = client.RunBatchAsync(run, lines, options, context.CancellationToken);

        async Task ConsumeAsync()
        {
            await foreach (var result in results.ConfigureAwait(false))
            {
                IReadOnlyList<string> files = [];
                string? saveError = null;
                if (result.Succeeded && outputDir is not null && result.Output!.AsFiles() is { Count: > 0 } outputs)
                {
                    try
                    {
                        files = await OutputFiles.SaveAsync(outputs, Path.Combine(outputDir, result.Index.ToString(CultureInfo.InvariantCulture)), context.CancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is ReplicateException or HttpRequestException or IOException or UnauthorizedAccessException or InvalidOperationException)
                    {
                        // One item's files failing to save (network, full disk) is that item's failure, not the batch's.
                        saveError = "The output files could not be saved: " + ex.Message;
                    }
                }

                if (result.Succeeded && saveError is null)
                {
                    succeeded++;
                }
                else
                {
                    failed++;
                }

                await context.Out.WriteLineAsync(ResultLine(result, files, saveError)).ConfigureAwait(false);
                await context.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        try
        {
            // The bar redraws stderr: only while stdout goes elsewhere, or result lines and bar would overwrite each other.
            if (context.IsErrorTerminal && !context.IsOutputTerminal && !context.Json)
            {
                await context.ErrorConsole.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .StartAsync(async progressContext =>
                    {
                        var task = progressContext.AddTask(run.ToString(), maxValue: options.TotalCount ?? 1);
                        progress.Changed = p =>
                        {
                            // Reports come from workers and a timer; an older one arriving late is dropped.
                            lock (task)
                            {
                                if (p.Completed < task.Value)
                                {
                                    return;
                                }

                                task.MaxValue = p.Total ?? Math.Max(1, p.Completed + p.InFlight);
                                task.Value = p.Completed;
                                task.Description = Markup.Escape(Describe(p));
                            }
                        };
                        await ConsumeAsync().ConfigureAwait(false);
                    }).ConfigureAwait(false);
            }
            else
            {
                await ConsumeAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.Interrupted)
        {
            await context.Error.WriteLineAsync(
                $"Interrupted after {succeeded} succeeded and {failed} failed: running predictions were canceled on the server." +
                (options.JournalPath is { } path ? $" Run the same command again to resume from {path}." : string.Empty)).ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }

        await context.Error.WriteLineAsync($"{succeeded} succeeded, {failed} failed" + (progress.Last is { } last ? $" in {last.Elapsed.TotalSeconds:0.0} s" : string.Empty) + ".").ConfigureAwait(false);
        return failed == 0 ? ExitCodes.Success : ExitCodes.PredictionFailed;
    }

    /// <summary>One result as a JSON line: index, status, prediction id, output (or the saved files), error, whether it came from the journal.</summary>
    internal static string ResultLine(BatchResult<PredictionOutput> result, IReadOnlyList<string> files, string? saveError = null)
    {
        var line = new JsonObject
        {
            ["index"] = result.Index,

            ["status"] = Status(result, saveError),
            ["id"] = result.Prediction?.Id,
            ["output"] = files.Count > 0
                ? new JsonArray([.. files.Select(f => (JsonNode?)JsonValue.Create(f))])
                : result.Succeeded && result.Output is { } output ? JsonNode.Parse(output.Json.GetRawText()) : null,
            ["error"] = saveError ?? result.Error?.Message,
            ["from_journal"] = result.FromJournal,
        };
        return line.ToJsonString(LineOptions);
    }

    /// <summary>
    /// <c>succeeded</c>, the prediction's own end (<c>failed</c>, <c>canceled</c>, <c>aborted</c>), or <c>failed</c> for a
    /// result without its output (polling gave up, its files could not be saved) whatever state the prediction was in.
    /// </summary>
    private static string Status(BatchResult<PredictionOutput> result, string? saveError) =>
        result.Succeeded && saveError is null ? "succeeded"
        : result.Prediction?.Status is { IsTerminal: true, IsSucceeded: false } ended ? ended.Value
        : "failed";

    private static readonly JsonSerializerOptions LineOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Describe(BatchProgress p) => string.Create(
        CultureInfo.InvariantCulture,
        $"{p.Completed}{(p.Total is { } total ? "/" + total : string.Empty)} done, {p.Failed} failed, {p.InFlight} running, {p.CreatesPerSecond:0.0}/s");

    /// <summary>Input lines, streamed: each a JSON object; a line that is not one stops the batch naming its line number.</summary>
    private static async IAsyncEnumerable<object?> ReadLinesAsync(TextReader? stdin, string path, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var file = stdin is null ? new StreamReader(path) : null;
        var reader = stdin ?? file!;
        var number = 0;
        // WaitAsync: a console reader ignores the token, and a Ctrl+C must not wait for the next line of a live pipe.
        while (await reader.ReadLineAsync(cancellationToken).AsTask().WaitAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            yield return ParseLine(line, number);
        }
    }

    private static JsonObject ParseLine(string line, int number)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(line);
        }
        catch (JsonException ex)
        {
            throw CliException.Usage($"Line {number} of the inputs is not JSON: {ex.Message}", "Each line must be one input object, e.g. {\"prompt\": \"a fox\"}.");
        }

        return node as JsonObject
            ?? throw CliException.Usage($"Line {number} of the inputs is not a JSON object.", "Each line must be one input object, e.g. {\"prompt\": \"a fox\"}.");
    }

    /// <summary>Counts a file's inputs, checking every line first: a bad line 5,000 must fail before 4,999 are paid for.</summary>
    private static long CountLines(string path)
    {
        long count = 0;
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (!string.IsNullOrWhiteSpace(line))
            {
                ParseLine(line, number);
                count++;
            }
        }

        return count;
    }

    /// <summary>The batch's progress, handed to the progress bar when there is one.</summary>
    private sealed class ProgressState : IProgress<BatchProgress>
    {
        public Action<BatchProgress>? Changed { get; set; }

        public BatchProgress? Last { get; private set; }

        public void Report(BatchProgress value)
        {
            Last = value;
            Changed?.Invoke(value);
        }
    }
}
