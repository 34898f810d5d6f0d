using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Replicate.Testing.Internal;

/// <summary>Models and their versions, README and examples: read, list, create, update and delete.</summary>
internal static class ModelEndpoints
{
    private static readonly string[] Visibilities = ["public", "private"];
    private static readonly string[] SortFields = ["model_created_at", "latest_version_created_at"];
    private static readonly string[] SortDirections = ["asc", "desc"];

    private static readonly FieldRule[] CreateRules =
    [
        new("owner", FieldKind.String, Required: true),
        new("name", FieldKind.String, Required: true),
        new("visibility", FieldKind.String, Required: true, OneOf: Visibilities),
        new("hardware", FieldKind.String, Required: true),
        new("description", FieldKind.String),
        new("github_url", FieldKind.String),
        new("paper_url", FieldKind.String),
        new("license_url", FieldKind.String),
        new("cover_image_url", FieldKind.String),
    ];

    private static readonly FieldRule[] UpdateRules =
    [
        new("description", FieldKind.String),
        new("readme", FieldKind.String),
        new("github_url", FieldKind.String),
        new("paper_url", FieldKind.String),
        new("weights_url", FieldKind.String),
        new("license_url", FieldKind.String),
    ];

    public static Task GetModelAsync(HttpContext context, EmulatorCore core, string fullName) =>
        Find(core, fullName) is { } model
            ? HttpResponses.WriteJsonAsync(context, StatusCodes.Status200OK, model, static (writer, m) => ModelJson.WriteModel(writer, m))
            : ModelNotFoundAsync(context);

    /// <summary><c>GET /models</c>: public models, sorted as asked (latest version first by default).</summary>
    public static async Task ListModelsAsync(HttpContext context, EmulatorCore core)
    {
        var query = context.Request.Query;
        var sortBy = query["sort_by"].ToString();
        var direction = query["sort_direction"].ToString();
        if (sortBy.Length > 0 && !SortFields.Contains(sortBy, StringComparer.Ordinal))
        {
            await BadRequestAsync(context, "sort_by: must be one of model_created_at, latest_version_created_at; got '" + sortBy + "'").ConfigureAwait(false);
            return;
        }

        if (direction.Length > 0 && !SortDirections.Contains(direction, StringComparer.Ordinal))
        {
            await BadRequestAsync(context, "sort_direction: must be asc or desc; got '" + direction + "'").ConfigureAwait(false);
            return;
        }

        // Models without a version have no latest-version date: they sort as the oldest.
        Func<RegisteredModel, DateTimeOffset> key = sortBy == "model_created_at"
            ? m => m.CreatedAt
            : m => m.HasVersion ? m.CreatedAt : DateTimeOffset.MinValue;
        var ordered = core.ModelsSnapshot().Where(m => m.IsPublic);
        var models = direction == "asc" ? ordered.OrderBy(key).ToArray() : ordered.OrderByDescending(key).ToArray();

        var listUrl = new StringBuilder(core.Origin).Append("/v1/models?");
        AppendParameter(listUrl, "sort_by", sortBy);
        AppendParameter(listUrl, "sort_direction", direction);
        await ListPages.WriteAsync(context, core, listUrl.ToString(), models, static (writer, m) => ModelJson.WriteModel(writer, m)).ConfigureAwait(false);
    }

    /// <summary><c>POST /models</c>: a new model of the token's account, with no version yet; 201.</summary>
    public static async Task CreateModelAsync(HttpContext context, EmulatorCore core, byte[] body)
    {
        if (await JsonBody.ReadAsync(context, body, CreateRules).ConfigureAwait(false) is not { } request)
        {
            return;
        }

        var owner = JsonBody.String(request, "owner")!;
        var name = JsonBody.String(request, "name")!;
        var hardware = JsonBody.String(request, "hardware")!;
        if (!string.Equals(owner, core.Options.AccountUsername, StringComparison.OrdinalIgnoreCase))
        {
            await ForbiddenAsync(context, "You can only create models owned by your own account ('" + core.Options.AccountUsername + "').").ConfigureAwait(false);
            return;
        }

        if (!IsValidName(name))
        {
            await JsonBody.ProblemAsync(context, new ValidationProblem("pattern", "name", "Use lowercase letters, digits, '-', '_' and '.'")).ConfigureAwait(false);
            return;
        }

        if (!HardwareCatalog.IsKnown(hardware))
        {
            await JsonBody.ProblemAsync(context, HardwareCatalog.UnknownProblem(hardware)).ConfigureAwait(false);
            return;
        }

        var visibility = JsonBody.String(request, "visibility")!;
        var options = new EmulatorModelOptions { IsOfficial = false, IsPublic = visibility == "public" };
        var model = new RegisteredModel(owner, name, static (_, _) => Task.FromResult<object?>(null), options, core.Time.GetUtcNow(), hasVersion: false)
        {
            Details = new ModelDetails(
                visibility,
                JsonBody.String(request, "description"),
                null,
                JsonBody.String(request, "github_url"),
                JsonBody.String(request, "paper_url"),
                JsonBody.String(request, "license_url"),
                JsonBody.String(request, "cover_image_url"),
                null,
                hardware),
        };
        if (!core.TryCreateModel(model))
        {
            await HttpResponses.WriteProblemAsync(
                context, StatusCodes.Status409Conflict, "Conflict", "A model named " + model.FullName + " already exists.").ConfigureAwait(false);
            return;
        }

        await HttpResponses.WriteJsonAsync(context, StatusCodes.Status201Created, model, static (writer, m) => ModelJson.WriteModel(writer, m)).ConfigureAwait(false);
    }

    /// <summary><c>PATCH /models/{owner}/{name}</c>: changes the given details of one of the account's models; 200.</summary>
    public static async Task UpdateModelAsync(HttpContext context, EmulatorCore core, string fullName, byte[] body)
    {
        if (await FindOwnAsync(context, core, fullName, "update").ConfigureAwait(false) is not { } model
            || await JsonBody.ReadAsync(context, body, UpdateRules).ConfigureAwait(false) is not { } request)
        {
            return;
        }

        model.UpdateDetails(details => details with
        {
            Description = JsonBody.String(request, "description") ?? details.Description,
            Readme = JsonBody.String(request, "readme") ?? details.Readme,
            GithubUrl = JsonBody.String(request, "github_url") ?? details.GithubUrl,
            PaperUrl = JsonBody.String(request, "paper_url") ?? details.PaperUrl,
            WeightsUrl = JsonBody.String(request, "weights_url") ?? details.WeightsUrl,
            LicenseUrl = JsonBody.String(request, "license_url") ?? details.LicenseUrl,
        });
        await HttpResponses.WriteJsonAsync(context, StatusCodes.Status200OK, model, static (writer, m) => ModelJson.WriteModel(writer, m)).ConfigureAwait(false);
    }

    /// <summary><c>DELETE /models/{owner}/{name}</c>: 204 only for the account's own private models with no versions.</summary>
    public static async Task DeleteModelAsync(HttpContext context, EmulatorCore core, string fullName)
    {
        if (await FindOwnAsync(context, core, fullName, "delete").ConfigureAwait(false) is not { } model)
        {
            return;
        }

        if (model.IsPublic || model.HasVersion)
        {
            await ConflictAsync(context, "Only private models with no versions can be deleted; " + model.FullName
                + (model.IsPublic ? " is public." : " has versions: delete them first.")).ConfigureAwait(false);
            return;
        }

        core.DeleteModel(model);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary><c>GET /models/{owner}/{name}/readme</c>: the Markdown as <c>text/plain</c>, or 404 when there is none.</summary>
    public static Task GetReadmeAsync(HttpContext context, EmulatorCore core, string fullName)
    {
        if (Find(core, fullName) is not { } model)
        {
            return ModelNotFoundAsync(context);
        }

        return model.Details.Readme is { } readme
            ? HttpResponses.WriteBytesAsync(context, StatusCodes.Status200OK, "text/plain; charset=utf-8", Encoding.UTF8.GetBytes(readme))
            : HttpResponses.NotFoundAsync(context, "This model has no README");
    }

    /// <summary><c>GET /models/{owner}/{name}/examples</c>: the author's saved example predictions.</summary>
    public static Task ListExamplesAsync(HttpContext context, EmulatorCore core, string fullName) =>
        Find(core, fullName) is { } model
            ? ListPages.WriteAsync(
                context, core, core.Origin + "/v1/models/" + model.FullName + "/examples?", model.ExamplesSnapshot(), static (writer, p) => p.WriteJson(writer))
            : ModelNotFoundAsync(context);

    /// <summary>The model and its version, or 404.</summary>
    public static Task ListVersionsAsync(HttpContext context, EmulatorCore core, string fullName)
    {
        if (Find(core, fullName) is not { } model)
        {
            return ModelNotFoundAsync(context);
        }

        // One version per emulated model (none once deleted), so the page never has neighbours.
        RegisteredModel[] versions = model.HasVersion ? [model] : [];
        return ListPages.WriteAsync(
            context, core, core.Origin + "/v1/models/" + model.FullName + "/versions?", versions, static (writer, m) => ModelJson.WriteVersion(writer, m));
    }

    public static Task GetVersionAsync(HttpContext context, EmulatorCore core, string fullName, string versionId)
    {
        if (Find(core, fullName) is not { } model)
        {
            return ModelNotFoundAsync(context);
        }

        return IsVersion(model, versionId)
            ? HttpResponses.WriteJsonAsync(context, StatusCodes.Status200OK, model, static (writer, m) => ModelJson.WriteVersion(writer, m))
            : VersionNotFoundAsync(context);
    }

    /// <summary>
    /// <c>DELETE /models/{owner}/{name}/versions/{id}</c>: 202 for a version of the account's own private model that no
    /// deployment runs. The version goes at once (Replicate takes a few minutes).
    /// </summary>
    public static async Task DeleteVersionAsync(HttpContext context, EmulatorCore core, string fullName, string versionId)
    {
        if (await FindOwnAsync(context, core, fullName, "delete versions of").ConfigureAwait(false) is not { } model)
        {
            return;
        }

        if (!IsVersion(model, versionId))
        {
            await VersionNotFoundAsync(context).ConfigureAwait(false);
            return;
        }

        if (model.IsPublic)
        {
            await ConflictAsync(context, "Only versions of private models can be deleted; " + model.FullName + " is public.").ConfigureAwait(false);
            return;
        }

        if (core.IsDeployed(model.VersionId))
        {
            await ConflictAsync(context, "A deployment runs this version; point the deployment at another version first.").ConfigureAwait(false);
            return;
        }

        core.DeleteVersion(model);
        context.Response.StatusCode = StatusCodes.Status202Accepted;
    }

    /// <summary>A model the account can see: public, or its own. Others' private models are 404, as on Replicate.</summary>
    public static RegisteredModel? Find(EmulatorCore core, string fullName) =>
        core.FindModel(fullName) is { } model && model.IsVisibleTo(core.Options.AccountUsername) ? model : null;

    public static Task ModelNotFoundAsync(HttpContext context) => HttpResponses.NotFoundAsync(context, "The requested model does not exist");

    public static Task BadRequestAsync(HttpContext context, string detail) =>
        HttpResponses.WriteProblemAsync(context, StatusCodes.Status400BadRequest, "Bad request", detail);

    public static Task ConflictAsync(HttpContext context, string detail) =>
        HttpResponses.WriteProblemAsync(context, StatusCodes.Status409Conflict, "Conflict", detail);

    public static void AppendParameter(StringBuilder url, string name, string value)
    {
        if (value.Length > 0)
        {
            url.Append(name).Append('=').Append(Uri.EscapeDataString(value)).Append('&');
        }
    }

    /// <summary>Names Replicate accepts for models and deployments.</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 100 && name is not "." and not ".."
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.');

    private static bool IsVersion(RegisteredModel model, string versionId) =>
        model.HasVersion && string.Equals(model.VersionId, versionId, StringComparison.OrdinalIgnoreCase);

    private static Task VersionNotFoundAsync(HttpContext context) => HttpResponses.NotFoundAsync(context, "The requested version does not exist");

    private static Task ForbiddenAsync(HttpContext context, string detail) =>
        HttpResponses.WriteProblemAsync(context, StatusCodes.Status403Forbidden, "Forbidden", detail);

    /// <summary>A model the account owns, or null after answering 404 (unknown) or 403 (someone else's).</summary>
    private static async Task<RegisteredModel?> FindOwnAsync(HttpContext context, EmulatorCore core, string fullName, string action)
    {
        if (Find(core, fullName) is not { } model)
        {
            await ModelNotFoundAsync(context).ConfigureAwait(false);
            return null;
        }

        if (!string.Equals(model.Owner, core.Options.AccountUsername, StringComparison.OrdinalIgnoreCase))
        {
            await ForbiddenAsync(context, "You can only " + action + " your own models; " + model.FullName + " belongs to " + model.Owner + ".").ConfigureAwait(false);
            return null;
        }

        return model;
    }
}
