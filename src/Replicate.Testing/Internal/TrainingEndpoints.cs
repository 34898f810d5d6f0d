using Microsoft.AspNetCore.Http;

namespace Replicate.Testing.Internal;

/// <summary>Create, get, cancel and list trainings (the spec's <c>schemas_training_request</c> and <c>schemas_training_response</c>).</summary>
internal static class TrainingEndpoints
{
    private static readonly FieldRule[] CreateRules =
    [
        new("destination", FieldKind.String, Required: true),
        new("input", FieldKind.Object, Required: true),
        new("webhook", FieldKind.String),
        new("webhook_events_filter", FieldKind.StringArray, OneOf: ["start", "output", "logs", "completed"]),
    ];

    public static async Task CreateAsync(HttpContext context, EmulatorCore core, byte[] body, string model, string version)
    {
        if (await JsonBody.ReadAsync(context, body, CreateRules).ConfigureAwait(false) is not { } request)
        {
            return;
        }

        if (core.FindModel(model) is not { } trained || !string.Equals(trained.VersionId, version, StringComparison.OrdinalIgnoreCase) || !trained.HasVersion)
        {
            await HttpResponses.NotFoundAsync(context, "The requested model version does not exist").ConfigureAwait(false);
            return;
        }

        if (trained.Trainer is null)
        {
            await HttpResponses.WriteProblemAsync(
                context, StatusCodes.Status422UnprocessableEntity, "Model is not trainable", "The version " + trained.FullName + ":" + trained.VersionId + " does not support training").ConfigureAwait(false);
            return;
        }

        var destination = JsonBody.String(request, "destination")!;
        if (core.FindModel(destination) is not { } target)
        {
            await HttpResponses.NotFoundAsync(context, "The specified training destination does not exist").ConfigureAwait(false);
            return;
        }

        if (!string.Equals(target.Owner, core.Options.AccountUsername, StringComparison.OrdinalIgnoreCase))
        {
            await HttpResponses.WriteProblemAsync(
                context, StatusCodes.Status403Forbidden, "Forbidden", "You do not own the training destination " + destination).ConfigureAwait(false);
            return;
        }

        var webhook = JsonBody.String(request, "webhook");
        if (webhook is not null && !(Uri.TryCreate(webhook, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)))
        {
            await JsonBody.ProblemAsync(context, new ValidationProblem("format", "webhook", "Does not match format 'uri'")).ConfigureAwait(false);
            return;
        }

        var filter = request.TryGetProperty("webhook_events_filter", out var events) ? events : (System.Text.Json.JsonElement?)null;
        var state = core.Trainings.Create(trained, target, request.GetProperty("input"), webhook, filter);
        await WriteAsync(context, state, StatusCodes.Status201Created).ConfigureAwait(false);
    }

    public static Task GetAsync(HttpContext context, EmulatorCore core, string id) =>
        core.Trainings.Find(id) is { } state ? WriteAsync(context, state, StatusCodes.Status200OK) : NotFoundAsync(context);

    public static Task CancelAsync(HttpContext context, EmulatorCore core, string id)
    {
        if (core.Trainings.Find(id) is not { } state)
        {
            return NotFoundAsync(context);
        }

        state.TryCancel(byDeadline: false);
        return WriteAsync(context, state, StatusCodes.Status200OK);
    }

    public static Task ListAsync(HttpContext context, EmulatorCore core) =>
        ListPages.WriteAsync(context, core, core.Origin + "/v1/trainings?", core.Trainings.NewestFirst(), static (writer, state) => state.WriteJson(writer));

    private static Task WriteAsync(HttpContext context, PredictionState state, int status) =>
        HttpResponses.WriteJsonAsync(context, status, state, static (writer, s) => s.WriteJson(writer));

    private static Task NotFoundAsync(HttpContext context) => HttpResponses.NotFoundAsync(context, "The requested training does not exist");
}
