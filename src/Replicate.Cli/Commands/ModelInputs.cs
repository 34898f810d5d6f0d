using System.CommandLine;

namespace Replicate.Cli.Commands;

/// <summary>The model argument, the <c>key=value</c> inputs and <c>--input-json</c>, shared by <c>run</c>, <c>stream</c> and <c>trainings create</c>.</summary>
internal sealed class ModelInputs
{
    public Argument<string> Model { get; } = new("MODEL")
    {
        Description = "owner/name, owner/name:version, a version id, or deployment:owner/name",
    };

    public Argument<string[]> Pairs { get; } = new("INPUTS")
    {
        Description = "Inputs as key=value (coerced with the model's schema: 7, 0.5, true, a,b for arrays); key=@path uploads a file",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public Option<string?> InputJson { get; } = new("--input-json")
    {
        Description = "The input as a JSON object: @file, - for stdin, or inline JSON; key=value arguments override its fields",
        HelpName = "@file|-|json",
    };

    public void AddTo(Command command)
    {
        command.Add(Model);
        command.Add(Pairs);
        command.Add(InputJson);
    }

    public static ModelIdentifier Parse(string model)
    {
        try
        {
            return ModelIdentifier.Parse(model);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            throw CliException.Usage(ex.Message, "Name a model as owner/name or owner/name:version (or deployment:owner/name).");
        }
    }

    /// <summary>
    /// The version whose schema the input is checked against: the pinned version, the latest version of
    /// <c>owner/name</c>, or the deployment's current release. Null for a bare version id (the API cannot look up a
    /// version without its model) or a model without versions.
    /// </summary>
    public static async Task<ModelVersion?> FindVersionAsync(ReplicateClient client, ModelIdentifier model, CancellationToken cancellationToken) =>
        (await FindAsync(client, model, cancellationToken).ConfigureAwait(false)).Version;

    /// <summary>
    /// The version (as <see cref="FindVersionAsync"/>) and what to run: <c>owner/name</c> stays as it is for official
    /// models, which the API runs by name; any other model is run at its latest version, pinned here, because the API
    /// runs only official models by name.
    /// </summary>
    internal static async Task<(ModelVersion? Version, ModelIdentifier Run)> FindAsync(ReplicateClient client, ModelIdentifier model, CancellationToken cancellationToken)
    {
        if (model.IsDeployment)
        {
            var deployment = await client.Deployments.GetAsync(model.Owner!, model.Name!, cancellationToken).ConfigureAwait(false);
            if (deployment.CurrentRelease is { Model: { } released, Version: { } versionId } && ModelIdentifier.TryParse(released, out var releasedModel) && releasedModel.HasModel)
            {
                return (await client.Models.Versions.GetAsync(ModelIdentifier.Create(releasedModel.Owner!, releasedModel.Name!), versionId, cancellationToken).ConfigureAwait(false), model);
            }

            return (null, model);
        }

        if (!model.HasModel)
        {
            return (null, model);
        }

        if (model.Version is not null)
        {
            return (await client.Models.Versions.GetAsync(model, cancellationToken).ConfigureAwait(false), model);
        }

        var found = await client.Models.GetAsync(model, cancellationToken).ConfigureAwait(false);
        return found is { IsOfficial: false, LatestVersion: { } latest }
            ? (latest, ModelIdentifier.Create(model.Owner!, model.Name!, latest.Id))
            : (found.LatestVersion, model);
    }

    /// <summary>
    /// Reads the input, the options that have the SDK check it against the schema before anything is sent, and the
    /// model identifier to run (a community model's latest version pinned).
    /// </summary>
    public async Task<(ModelIdentifier Model, Dictionary<string, object?> Input, PredictionOptions Options)> ReadAsync(CliContext context, ReplicateClient client, ModelIdentifier model)
    {
        var pairs = context.Get(Pairs) ?? [];
        InputBuilder.CheckSyntax(pairs); // before any request: a typo costs nothing
        var (version, run) = await FindAsync(client, model, context.CancellationToken).ConfigureAwait(false);
        var types = InputTypes.From(version?.OpenApiSchema);
        var input = InputBuilder.Build(context, pairs, context.Get(InputJson), types);
        var options = new PredictionOptions
        {
            // Create, then poll: an interrupt always knows the prediction's id, so it can cancel it.
            Wait = TimeSpan.Zero,
            ValidateInput = types is not null && run.HasModel && !run.IsDeployment,
        };
        return (run, input, options);
    }

    /// <summary>The tail of a prediction's logs, for a failure report.</summary>
    public static string? LastLogLines(string? logs, int count)
    {
        if (string.IsNullOrWhiteSpace(logs))
        {
            return null;
        }

        var lines = logs.TrimEnd().Split('\n');
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - count)));
    }
}
