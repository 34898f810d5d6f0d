using System.CommandLine;
using System.Globalization;

namespace Replicate.Cli.Commands;

/// <summary><c>replicate deployments list|get|create|update|delete</c>.</summary>
internal static class DeploymentsCommand
{
    public static Command Create(Interrupt interrupt)
    {
        var command = new Command("deployments", "List, show, create, update and delete deployments (run one with: replicate run deployment:owner/name)").WithExamples("""
            replicate deployments create my-app --model acme/my-model --version 5c7d... --hardware gpu-t4 --min-instances 0 --max-instances 2
            replicate deployments update acme/my-app --max-instances 5
            replicate deployments list
            replicate deployments delete acme/my-app
            """);

        var limit = Lists.LimitOption();
        var list = new Command("list", "List your deployments") { limit };
        CommandRunner.SetAction(list, interrupt, async context =>
        {
            var client = await context.GetClientAsync().ConfigureAwait(false);
            var items = await Lists.TakeAsync(client.Deployments.EnumerateAsync(context.CancellationToken), context.Get(limit), context.CancellationToken).ConfigureAwait(false);
            Output.WriteList(context, items, ["deployment", "release", "model", "hardware", "instances"], Row);

            return ExitCodes.Success;
        });

        var getName = Name();
        var get = new Command("get", "Show a deployment and its current release") { getName };
        CommandRunner.SetAction(get, interrupt, async context =>
        {
            var client = await context.GetClientAsync().ConfigureAwait(false);
            Write(context, await client.Deployments.GetAsync(context.Get(getName)!, context.CancellationToken).ConfigureAwait(false));
            return ExitCodes.Success;
        });

        var createName = new Argument<string>("NAME") { Description = "The new deployment's name (it belongs to your account)" };
        var model = new Option<string>("--model") { Description = "The model, owner/name", Required = true, HelpName = "owner/name" };
        var version = new Option<string>("--version") { Description = "The version id to run", Required = true, HelpName = "id" };
        var hardware = new Option<string>("--hardware") { Description = "The hardware SKU (see `replicate hardware`)", Required = true, HelpName = "sku" };
        var min = new Option<int>("--min-instances") { Description = "The fewest instances kept running", DefaultValueFactory = _ => 0, HelpName = "n" };
        var max = new Option<int>("--max-instances") { Description = "The most instances", DefaultValueFactory = _ => 1, HelpName = "n" };
        var create = new Command("create", "Create a deployment") { createName, model, version, hardware, min, max };
        CommandRunner.SetAction(create, interrupt, async context =>
        {
            var client = await context.GetClientAsync().ConfigureAwait(false);
            Write(context, await client.Deployments.CreateAsync(
                new CreateDeploymentOptions
                {
                    Name = context.Get(createName)!,
                    Model = context.Get(model)!,
                    Version = context.Get(version)!,
                    Hardware = context.Get(hardware)!,
                    MinInstances = context.Get(min),
                    MaxInstances = context.Get(max),
                },
                context.CancellationToken).ConfigureAwait(false));
            return ExitCodes.Success;
        });

        var updateName = Name();
        var newVersion = new Option<string?>("--version") { Description = "The version id to run", HelpName = "id" };
        var newHardware = new Option<string?>("--hardware") { Description = "The hardware SKU", HelpName = "sku" };
        var newMin = new Option<int?>("--min-instances") { Description = "The fewest instances kept running", HelpName = "n" };
        var newMax = new Option<int?>("--max-instances") { Description = "The most instances", HelpName = "n" };
        var update = new Command("update", "Change a deployment; every change makes a new release") { updateName, newVersion, newHardware, newMin, newMax };
        CommandRunner.SetAction(update, interrupt, async context =>
        {
            var options = new UpdateDeploymentOptions
            {
                Version = context.Get(newVersion),
                Hardware = context.Get(newHardware),
                MinInstances = context.Get(newMin),
                MaxInstances = context.Get(newMax),
            };
            if (options.Version is null && options.Hardware is null && options.MinInstances is null && options.MaxInstances is null)
            {
                throw CliException.Usage("Nothing to update.", "Pass at least one of --version, --hardware, --min-instances, --max-instances.");
            }

            var client = await context.GetClientAsync().ConfigureAwait(false);
            Write(context, await client.Deployments.UpdateAsync(context.Get(updateName)!, options, context.CancellationToken).ConfigureAwait(false));
            return ExitCodes.Success;
        });

        var deleteName = Name();
        var delete = new Command("delete", "Delete a deployment (the API refuses one that is in use or was used in the last 15 minutes)") { deleteName };
        CommandRunner.SetAction(delete, interrupt, async context =>
        {
            var client = await context.GetClientAsync().ConfigureAwait(false);
            var deployment = context.Get(deleteName)!;
            await client.Deployments.DeleteAsync(deployment, context.CancellationToken).ConfigureAwait(false);
            Output.WriteDeleted(context, "deployment", deployment);
            return ExitCodes.Success;
        });

        command.Add(list);
        command.Add(get);
        command.Add(create);
        command.Add(update);
        command.Add(delete);
        return command;
    }

    private static Argument<string> Name() => new("DEPLOYMENT") { Description = "The deployment, owner/name" };

    private static string?[] Row(Deployment d) =>
    [
        d.ToString(),
        d.CurrentRelease?.Number.ToString(CultureInfo.InvariantCulture),
        d.CurrentRelease is { } r ? r.Model + ":" + r.Version : null,
        d.CurrentRelease?.Configuration?.Hardware,
        d.CurrentRelease?.Configuration is { } c ? $"{c.MinInstances}-{c.MaxInstances}" : null,
    ];

    private static void Write(CliContext context, Deployment deployment)
    {
        if (context.Json)
        {
            Output.WriteJson(context, deployment);
            return;
        }

        var row = Row(deployment);
        Output.WriteDetails(context,
        [
            ("deployment", row[0]),
            ("release", row[1]),
            ("version", row[2]),
            ("hardware", row[3]),
            ("instances", row[4]),
        ]);
    }
}
