using System.CommandLine;

namespace Replicate.Cli.Commands;

/// <summary><c>replicate trainings create|list|get|cancel</c>.</summary>
internal static class TrainingsCommand
{
    public static Command Create(Interrupt interrupt)
    {
        var command = new Command("trainings", "Create, list, show and cancel trainings (fine-tunes)").WithExamples("""
            replicate trainings create stability-ai/sdxl:da77bc59ee60423279fd632efb4795ab731d9e3ca9705ef3341091fb989b7eaf --destination my-org/my-sdxl input_images=@images.zip steps=1000
            replicate trainings list
            replicate trainings get zz4ibbonubfz7carwiefibzgga
            """);

        var inputs = new ModelInputs();
        inputs.Model.Description = "The version to train: owner/name:version";
        var destination = new Option<string>("--destination", "-d") { Description = "The model that gets the trained version, owner/name (you must own it)", Required = true, HelpName = "owner/name" };
        var create = new Command("create", "Start a training; prints its id (or the training with --json)");
        inputs.AddTo(create);
        create.Add(destination);
        CommandRunner.SetAction(create, interrupt, async context =>
        {
            var version = ModelInputs.Parse(context.Get(inputs.Model)!);
            if (version.Version is null || !version.HasModel)
            {
                throw CliException.Usage($"'{version}' is not a version.", "Trainings start from a version: owner/name:version.");
            }

            var client = await context.GetClientAsync().ConfigureAwait(false);
            var found = await ModelInputs.FindVersionAsync(client, version, context.CancellationToken).ConfigureAwait(false);
            var types = InputTypes.From(found?.OpenApiSchema, "TrainingInput");
            var input = InputBuilder.Build(context, context.Get(inputs.Pairs) ?? [], context.Get(inputs.InputJson), types);
            var training = await client.Trainings.CreateAsync(version, context.Get(destination)!, input, null, context.CancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                Output.WriteJson(context, training);
            }
            else
            {
                context.Out.WriteLine(training.Id);
            }

            return ExitCodes.Success;
        });

        var limit = Lists.LimitOption();
        var list = new Command("list", "List your trainings, newest first") { limit };
        CommandRunner.SetAction(list, interrupt, async context =>
        {
            var client = await context.GetClientAsync().ConfigureAwait(false);
            var items = await Lists.TakeAsync(client.Trainings.EnumerateAsync(context.CancellationToken), context.Get(limit), context.CancellationToken).ConfigureAwait(false);
            Output.WriteList(context, items, ["id", "model", "status", "created"], t => new[] { t.Id, t.Model, t.Status.Value, Output.Time(t.CreatedAt) });

            return ExitCodes.Success;
        });

        var getId = Id();
        var get = new Command("get", "Show a training") { getId };
        CommandRunner.SetAction(get, interrupt, async context =>
        {
            var client = await context.GetClientAsync().ConfigureAwait(false);
            Write(context, await client.Trainings.GetAsync(context.Get(getId)!, context.CancellationToken).ConfigureAwait(false));
            return ExitCodes.Success;
        });

        var cancelId = Id();
        var cancel = new Command("cancel", "Cancel a training") { cancelId };
        CommandRunner.SetAction(cancel, interrupt, async context =>
        {
            var client = await context.GetClientAsync().ConfigureAwait(false);
            Write(context, await client.Trainings.CancelAsync(context.Get(cancelId)!, context.CancellationToken).ConfigureAwait(false));
            return ExitCodes.Success;
        });

        command.Add(create);
        command.Add(list);
        command.Add(get);
        command.Add(cancel);
        return command;
    }

    private static Argument<string> Id() => new("ID") { Description = "The training id" };

    private static void Write(CliContext context, Training training)
    {
        if (context.Json)
        {
            Output.WriteJson(context, training);
            return;
        }

        Output.WriteDetails(context,
        [
            ("id", training.Id),
            ("model", training.Model),
            ("version", training.Version),
            ("status", training.Status.Value),
            ("created", Output.Time(training.CreatedAt)),
            ("completed", Output.Time(training.CompletedAt)),
            ("output version", training.Output?.Version),
            ("weights", training.Output?.Weights),
            ("error", training.Error),
            ("logs", ModelInputs.LastLogLines(training.Logs, 5)),
        ]);
    }
}
