using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Replicate.Testing.Internal;

/// <summary>Deployments: list, create (200, as the spec says), get, update (a change makes a new release) and delete (204).</summary>
internal static class DeploymentEndpoints
{
    private static readonly FieldRule MinInstances = new("min_instances", FieldKind.Integer, Minimum: 0, Maximum: 5);
    private static readonly FieldRule MaxInstances = new("max_instances", FieldKind.Integer, Minimum: 0, Maximum: 20);

    private static readonly FieldRule[] CreateRules =
    [
        new("name", FieldKind.String, Required: true),
        new("model", FieldKind.String, Required: true),
        new("version", FieldKind.String, Required: true),
        new("hardware", FieldKind.String, Required: true),
        MinInstances with { Required = true },
        MaxInstances with { Required = true },
    ];

    private static readonly FieldRule[] UpdateRules =
    [
        new("version", FieldKind.String),
        new("hardware", FieldKind.String),
        MinInstances,
        MaxInstances,
    ];

    /// <summary><c>GET /deployments</c>: newest first.</summary>
    public static Task ListAsync(HttpContext context, EmulatorCore core) =>
        ListPages.WriteAsync(context, core, core.Origin + "/v1/deployments?", core.DeploymentsSnapshot(), static (writer, d) => d.WriteJson(writer));

    public static Task GetAsync(HttpContext context, EmulatorCore core, string fullName) =>
        core.FindDeployment(fullName) is { } deployment ? WriteAsync(context, deployment) : NotFoundAsync(context);

    /// <summary><c>POST /deployments</c>: a deployment of the token's account running a registered model's version.</summary>
    public static async Task CreateAsync(HttpContext context, EmulatorCore core, byte[] body)
    {
        if (await JsonBody.ReadAsync(context, body, CreateRules).ConfigureAwait(false) is not { } request)
        {
            return;
        }

        var name = JsonBody.String(request, "name")!;
        if (!ModelEndpoints.IsValidName(name))
        {
            await JsonBody.ProblemAsync(context, new ValidationProblem("pattern", "name", "Use lowercase letters, digits, '-', '_' and '.'")).ConfigureAwait(false);
            return;
        }

        var modelName = JsonBody.String(request, "model")!;
        if (ModelEndpoints.Find(core, modelName) is not { HasVersion: true } model)
        {
            await JsonBody.ProblemAsync(context, new ValidationProblem("invalid", "model", "The model " + modelName + " does not exist or has no versions")).ConfigureAwait(false);
            return;
        }

        var release = new DeploymentRelease(
            1,
            model.FullName,
            JsonBody.String(request, "version")!,
            core.Time.GetUtcNow(),
            core.Options.AccountUsername,
            JsonBody.String(request, "hardware")!,
            JsonBody.Integer(request, "min_instances")!.Value,
            JsonBody.Integer(request, "max_instances")!.Value);
        if (Check(model, release) is { } problem)
        {
            await JsonBody.ProblemAsync(context, problem).ConfigureAwait(false);
            return;
        }

        if (core.TryCreateDeployment(name, release) is not { } deployment)
        {
            await ModelEndpoints.ConflictAsync(context, "A deployment named " + core.Options.AccountUsername + "/" + name + " already exists.").ConfigureAwait(false);
            return;
        }

        await WriteAsync(context, deployment).ConfigureAwait(false);
    }

    /// <summary><c>PATCH /deployments/{owner}/{name}</c>: any change makes a release numbered one higher.</summary>
    public static async Task UpdateAsync(HttpContext context, EmulatorCore core, string fullName, byte[] body)
    {
        if (core.FindDeployment(fullName) is not { } deployment)
        {
            await NotFoundAsync(context).ConfigureAwait(false);
            return;
        }

        if (await JsonBody.ReadAsync(context, body, UpdateRules).ConfigureAwait(false) is not { } request)
        {
            return;
        }

        var now = core.Time.GetUtcNow();
        DeploymentRelease Apply(DeploymentRelease release) => release with
        {
            Version = JsonBody.String(request, "version") ?? release.Version,
            Hardware = JsonBody.String(request, "hardware") ?? release.Hardware,
            MinInstances = JsonBody.Integer(request, "min_instances") ?? release.MinInstances,
            MaxInstances = JsonBody.Integer(request, "max_instances") ?? release.MaxInstances,
            CreatedAt = now,
            CreatedBy = core.Options.AccountUsername,
        };

        var current = deployment.Current;
        if (Check(core.FindModel(current.Model), Apply(current)) is { } problem)
        {
            await JsonBody.ProblemAsync(context, problem).ConfigureAwait(false);
            return;
        }

        deployment.Update(Apply);
        await WriteAsync(context, deployment).ConfigureAwait(false);
    }

    /// <summary><c>DELETE /deployments/{owner}/{name}</c>: 204, or 409 while one of its predictions is still running.</summary>
    public static async Task DeleteAsync(HttpContext context, EmulatorCore core, string fullName)
    {
        if (core.FindDeployment(fullName) is not { } deployment)
        {
            await NotFoundAsync(context).ConfigureAwait(false);
            return;
        }

        if (core.HasRunningPredictions(deployment.FullName))
        {
            await ModelEndpoints.ConflictAsync(context, "The deployment is in use: wait until its predictions finish.").ConfigureAwait(false);
            return;
        }

        core.DeleteDeployment(deployment.FullName);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static ValidationProblem? Check(RegisteredModel? model, DeploymentRelease release)
    {
        if (model is null || !model.HasVersion || !string.Equals(model.VersionId, release.Version, StringComparison.OrdinalIgnoreCase))
        {
            return new ValidationProblem("invalid", "version", "The version " + release.Version + " does not exist on " + release.Model);
        }

        if (!HardwareCatalog.IsKnown(release.Hardware))
        {
            return HardwareCatalog.UnknownProblem(release.Hardware);
        }

        return release.MinInstances > release.MaxInstances
            ? new ValidationProblem("invalid", "min_instances", "min_instances cannot be more than max_instances")
            : null;
    }

    private static Task WriteAsync(HttpContext context, DeploymentState deployment) =>
        HttpResponses.WriteJsonAsync(context, StatusCodes.Status200OK, deployment, static (writer, d) => d.WriteJson(writer));

    private static Task NotFoundAsync(HttpContext context) => HttpResponses.NotFoundAsync(context, "The requested deployment does not exist");
}
