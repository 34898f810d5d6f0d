using System.CommandLine;
using System.Text.Json;

namespace Replicate.Cli.Commands;

/// <summary><c>replicate models get|list|search|schema|versions|create|update|delete</c> and <c>replicate schema pull</c>.</summary>
internal static class ModelsCommand
{
    public static Command Create(Interrupt interrupt)
    {
        var command = new Command("models", "Show, list and search models, their input schemas and versions; create, update and delete your own").WithExamples("""
            replicate models get black-forest-labs/flux-schnell
            replicate models search "upscale faces"
            replicate models schema black-forest-labs/flux-schnell
            replicate models versions acme/my-model --json
            replicate models create acme/my-model --visibility private --hardware gpu-t4 --description "Captions photos"
            replicate models update acme/my-model --description "Captions photos, in English"
            replicate models delete acme/my-model
            """);

        var getModel = ModelArgument();
        var get = new Command("get", "Show a model") { getModel };
        CommandRunner.SetAction(get, interrupt, async context =>
        {
            var client = await context.GetClientAsync().ConfigureAwait(false);
            WriteModel(context, await client.Models.GetAsync(ModelInputs.Parse(context.Get(getModel)!), context.CancellationToken).ConfigureAwait(false));
            return ExitCodes.Success;
        });

        var listLimit = Lists.LimitOption();
        var list = new Command("list", "List public models") { listLimit };
        CommandRunner.SetAction(list, interrupt, async context =>
        {
            var client = await context.GetClientAsync().ConfigureAwait(false);
            WriteModels(context, await Lists.TakeAsync(client.Models.EnumerateAsync(cancellationToken: context.CancellationToken), context.Get(listLimit), context.CancellationToken).ConfigureAwait(false));
            return ExitCodes.Success;
        });

        var query = new Argument<string>("QUERY") { Description = "What to look for" };
        var searchLimit = Lists.LimitOption();
        var search = new Command("search", "Search models by text") { query, searchLimit };
        CommandRunner.SetAction(search, interrupt, async context =>
        {
            var client = await context.GetClientAsync().ConfigureAwait(false);
            WriteModels(context, await Lists.TakeAsync(client.Models.EnumerateSearchAsync(context.Get(query)!, context.CancellationToken), context.Get(searchLimit), context.CancellationToken).ConfigureAwait(false));
            return ExitCodes.Success;
        });

        var schemaModel = ModelArgument();
        var schema = new Command("schema", "Show a model version's inputs (name, type, default, allowed values) and output") { schemaModel };
        CommandRunner.SetAction(schema, interrupt, async context =>
        {
            var client = await context.GetClientAsync().ConfigureAwait(false);
            var model = ModelInputs.Parse(context.Get(schemaModel)!);
            var version = await ModelInputs.FindVersionAsync(client, model, context.CancellationToken).ConfigureAwait(false)
                ?? throw new CliException(ExitCodes.ApiError, $"{model} has no version with a schema.", "Name a version: owner/name:version.");
            WriteSchema(context, version);
            return ExitCodes.Success;
        });

        var versionsModel = ModelArgument();
        var versionsLimit = Lists.LimitOption();
        var versions = new Command("versions", "List a model's versions, newest first") { versionsModel, versionsLimit };
        CommandRunner.SetAction(versions, interrupt, async context =>
        {
            var client = await context.GetClientAsync().ConfigureAwait(false);
            var items = await Lists.TakeAsync(client.Models.Versions.EnumerateAsync(ModelInputs.Parse(context.Get(versionsModel)!), context.CancellationToken), context.Get(versionsLimit), context.CancellationToken).ConfigureAwait(false);
            Output.WriteList(context, items, ["id", "created", "cog"], v => new[] { v.Id, Output.Time(v.CreatedAt), v.CogVersion });

            return ExitCodes.Success;
        });

        var createModel = new Argument<string>("MODEL") { Description = "The new model, owner/name (the owner is your account or one of your organizations)" };
        var visibility = new Option<string>("--visibility") { Description = "Who can see and run it", Required = true, HelpName = "public|private" };
        visibility.AcceptOnlyFromAmong("public", "private");
        var createHardware = new Option<string>("--hardware") { Description = "The hardware SKU it runs on (see `replicate hardware`)", Required = true, HelpName = "sku" };
        var createDescription = new Option<string?>("--description") { Description = "What it does", HelpName = "text" };
        var createGithub = UrlOption("--github-url", "Its source code repository");
        var createPaper = UrlOption("--paper-url", "The paper it is based on");
        var createLicense = UrlOption("--license-url", "Its license");
        var createCover = UrlOption("--cover-image-url", "The image shown for it");
        var create = new Command("create", "Create a model (push versions to it with Cog afterwards)")
        {
            createModel, visibility, createHardware, createDescription, createGithub, createPaper, createLicense, createCover,
        };
        CommandRunner.SetAction(create, interrupt, async context =>
        {
            var id = OwnerAndName(context.Get(createModel)!);
            var client = await context.GetClientAsync().ConfigureAwait(false);
            WriteModel(context, await client.Models.CreateAsync(
                new CreateModelOptions
                {
                    Owner = id.Owner!,
                    Name = id.Name!,
                    Visibility = new ModelVisibility(context.Get(visibility)!),
                    Hardware = context.Get(createHardware)!,
                    Description = context.Get(createDescription),
                    GithubUrl = Url(context.Get(createGithub)),
                    PaperUrl = Url(context.Get(createPaper)),
                    LicenseUrl = Url(context.Get(createLicense)),
                    CoverImageUrl = Url(context.Get(createCover)),
                },
                context.CancellationToken).ConfigureAwait(false));
            return ExitCodes.Success;
        });

        var updateModel = OwnModelArgument();
        var updateDescription = new Option<string?>("--description") { Description = "What it does", HelpName = "text" };
        var readme = new Option<string?>("--readme") { Description = "The README, in Markdown", HelpName = "markdown" };
        var updateGithub = UrlOption("--github-url", "Its source code repository");
        var updatePaper = UrlOption("--paper-url", "The paper it is based on");
        var updateWeights = UrlOption("--weights-url", "Where its weights can be downloaded");
        var updateLicense = UrlOption("--license-url", "Its license");
        var update = new Command("update", "Change a model's details; only the options given are sent")
        {
            updateModel, updateDescription, readme, updateGithub, updatePaper, updateWeights, updateLicense,
        };
        CommandRunner.SetAction(update, interrupt, async context =>
        {
            var id = OwnerAndName(context.Get(updateModel)!);
            var options = new UpdateModelOptions
            {
                Description = context.Get(updateDescription),
                Readme = context.Get(readme),
                GithubUrl = Url(context.Get(updateGithub)),
                PaperUrl = Url(context.Get(updatePaper)),
                WeightsUrl = Url(context.Get(updateWeights)),
                LicenseUrl = Url(context.Get(updateLicense)),
            };
            if (options.Description is null && options.Readme is null && options.GithubUrl is null && options.PaperUrl is null
                && options.WeightsUrl is null && options.LicenseUrl is null)
            {
                throw CliException.Usage("Nothing to update.", "Pass at least one of --description, --readme, --github-url, --paper-url, --weights-url, --license-url.");
            }

            var client = await context.GetClientAsync().ConfigureAwait(false);
            WriteModel(context, await client.Models.UpdateAsync(id, options, context.CancellationToken).ConfigureAwait(false));
            return ExitCodes.Success;
        });

        var deleteModel = OwnModelArgument();
        var delete = new Command("delete", "Delete a model (the API deletes only your own private models with no versions)") { deleteModel };
        CommandRunner.SetAction(delete, interrupt, async context =>
        {
            var id = OwnerAndName(context.Get(deleteModel)!);
            var client = await context.GetClientAsync().ConfigureAwait(false);
            await client.Models.DeleteAsync(id, context.CancellationToken).ConfigureAwait(false);
            Output.WriteDeleted(context, "model", id.ToString());
            return ExitCodes.Success;
        });

        command.Add(get);
        command.Add(list);
        command.Add(search);
        command.Add(schema);
        command.Add(versions);
        command.Add(create);
        command.Add(update);
        command.Add(delete);
        return command;
    }

    /// <summary><c>replicate schema pull MODEL[:VERSION] [-o FILE]</c>: the schema file the typed-models generator reads.</summary>
    public static Command CreateSchema(Interrupt interrupt)
    {
        var model = new Argument<string>("MODEL") { Description = "owner/name (pins the latest version) or owner/name:version" };
        var file = new Option<string?>("--output", "-o") { Description = "The file to write (default: models/<name>.json)", HelpName = "file" };
        var pull = new Command("pull", "Write a model's schema file for typed models: the model object with the pinned version's OpenAPI schema. Add it to a project as <ReplicateModel Include=\"models/flux-schnell.json\" /> to get a typed class.").WithExamples("""
            replicate schema pull black-forest-labs/flux-schnell
            replicate schema pull acme/my-model:5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa -o Models/MyModel.json
            """);
        pull.Add(model);
        pull.Add(file);
        CommandRunner.SetAction(pull, interrupt, async context =>
        {
            var id = ModelInputs.Parse(context.Get(model)!);
            if (!id.HasModel || id.IsDeployment)
            {
                throw CliException.Usage($"'{id}' names no model.", "Pass owner/name or owner/name:version.");
            }

            var path = context.Get(file) ?? Path.Combine("models", id.Name + ".json");
            if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory)
            {
                Directory.CreateDirectory(directory);
            }

            var client = await context.GetClientAsync().ConfigureAwait(false);
            await client.Models.WriteSchemaFileAsync(id, path, context.CancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                Output.WriteJson(context, new { model = id.ToString(), path });
            }
            else
            {
                context.Out.WriteLine(path);
                if (context.IsErrorTerminal)
                {
                    context.Error.WriteLine($"Add it to your project: <ReplicateModel Include=\"{path.Replace('\\', '/')}\" />");
                }
            }

            return ExitCodes.Success;
        });

        return new Command("schema", "Write a model's schema file for typed models (schema pull)") { pull };
    }

    private static Argument<string> ModelArgument() => new("MODEL") { Description = "owner/name (or owner/name:version)" };

    private static Argument<string> OwnModelArgument() => new("MODEL") { Description = "The model, owner/name" };

    private static Option<string?> UrlOption(string name, string description) => new(name) { Description = description, HelpName = "url" };

    /// <summary>An option's URL: absolute http(s), else a usage error before anything is sent.</summary>
    private static Uri? Url(string? value) =>
        value is null ? null
        : Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" ? url
        : throw CliException.Usage($"'{value}' is not a URL.", "Give an absolute http(s) URL, e.g. https://github.com/acme/my-model.");

    /// <summary>A model named by owner/name only: no version, not a deployment.</summary>
    private static ModelIdentifier OwnerAndName(string value)
    {
        var id = ModelInputs.Parse(value);
        return id.HasModel && !id.IsDeployment && id.Version is null
            ? id
            : throw CliException.Usage($"'{value}' is not owner/name.", "Name the model as owner/name, without a version.");
    }

    private static void WriteModel(CliContext context, Model model)
    {
        if (context.Json)
        {
            Output.WriteJson(context, model);
            return;
        }

        Output.WriteDetails(context,
        [
            ("model", model.ToString()),
            ("description", model.Description),
            ("visibility", model.Visibility.ToString()),
            ("official", model.IsOfficial ? "yes" : "no"),
            ("runs", model.RunCount.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("latest version", model.LatestVersion?.Id),
            ("url", model.Url?.ToString()),
        ]);
    }

    private static void WriteModels(CliContext context, List<Model> models)
    {
        Output.WriteList(context, models, ["model", "runs", "description"], m => new[]
            {
                m.ToString(), m.RunCount.ToString(System.Globalization.CultureInfo.InvariantCulture), m.Description,
            });
    }

    private static void WriteSchema(CliContext context, ModelVersion version)
    {
        var input = version.GetInputSchema();
        var output = version.GetOutputSchema();
        if (context.Json)
        {
            Output.WriteJson(context, new { version = version.Id, input, output });
            return;
        }

        var required = input is { } i && i.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Select(e => e.GetString()).ToHashSet(StringComparer.Ordinal)
            : [];
        var types = InputTypes.From(version.OpenApiSchema);
        var rows = new List<string?[]>();
        if (types is not null && input is { } schema && schema.TryGetProperty("properties", out var properties))
        {
            foreach (var name in types.Names)
            {
                var property = properties.GetProperty(name);
                var type = types.TypeOf(name);
                rows.Add(
                [
                    name,
                    type?.Type is "array" ? "array of " + (type.Items?.Type ?? "any") : type?.Type ?? "any",
                    required.Contains(name) ? "yes" : string.Empty,
                    property.TryGetProperty("default", out var d) ? d.GetRawText() : string.Empty,
                    Allowed(property, version.OpenApiSchema),
                    property.TryGetProperty("description", out var description) ? description.GetString() : null,
                ]);
            }
        }

        Output.WriteTable(context, ["input", "type", "required", "default", "allowed", "description"], rows);
        if (context.IsOutputTerminal && output is { } o)
        {
            context.Out.WriteLine("output: " + o.GetRawText());
        }
    }

    /// <summary>The enum values or the range an input allows, as one cell.</summary>
    private static string Allowed(JsonElement property, JsonElement? openApi)
    {
        var target = property;
        if (property.TryGetProperty("allOf", out var allOf) && allOf.ValueKind == JsonValueKind.Array && allOf.GetArrayLength() > 0
            && allOf[0].TryGetProperty("$ref", out var reference) && reference.GetString() is { } path
            && openApi is { } document && document.TryGetProperty("components", out var components) && components.TryGetProperty("schemas", out var schemas)
            && schemas.TryGetProperty(path.Split('/')[^1], out var referenced))
        {
            target = referenced;
        }

        if (target.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array)
        {
            return string.Join(", ", values.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()));
        }

        var minimum = property.TryGetProperty("minimum", out var min) ? min.GetRawText() : null;
        var maximum = property.TryGetProperty("maximum", out var max) ? max.GetRawText() : null;
        return minimum is null && maximum is null ? string.Empty : $"{minimum ?? "…"} to {maximum ?? "…"}";
    }
}
