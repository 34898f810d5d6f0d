using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Replicate.Testing.Internal;

internal enum CreateRoute
{
    Predictions,
    Models,
    Deployments,
}

/// <summary>Create, get, cancel and list predictions.</summary>
internal static class PredictionEndpoints
{
    private static readonly string[] WebhookEvents = ["start", "output", "logs", "completed"];

    public static async Task CreateAsync(HttpContext context, EmulatorCore core, byte[] body, CreateRoute route, string? target)
    {
        var headers = context.Request.Headers;
        var wait = 0;
        string? preferApplied = null;
        if (headers.TryGetValue("Prefer", out var prefer))
        {
            var value = prefer.ToString().Trim();
            if (HeaderParsers.ParsePreferWait(value) is not { } seconds)
            {
                await HttpResponses.WriteProblemAsync(
                    context, StatusCodes.Status400BadRequest, "Invalid Prefer header",
                    "Prefer must match ^wait(=([1-9]|[1-9][0-9]|60))?$, got '" + value + "'").ConfigureAwait(false);
                return;
            }

            wait = seconds;
            preferApplied = value;
        }

        TimeSpan? cancelAfter = null;
        if (headers.TryGetValue("Cancel-After", out var cancelAfterHeader))
        {
            var value = cancelAfterHeader.ToString().Trim();
            if (HeaderParsers.ParseDuration(value) is not { } lifetime)
            {
                await HttpResponses.WriteProblemAsync(
                    context, StatusCodes.Status400BadRequest, "Invalid Cancel-After header",
                    "Cancel-After must be a duration such as 30s, 5m, 1h30m45s or a number of seconds, got '" + value + "'").ConfigureAwait(false);
                return;
            }

            if (lifetime < TimeSpan.FromSeconds(5))
            {
                await HttpResponses.WriteProblemAsync(
                    context, StatusCodes.Status400BadRequest, "Invalid Cancel-After header",
                    "Cancel-After must be at least 5 seconds, got '" + value + "'").ConfigureAwait(false);
                return;
            }

            cancelAfter = lifetime;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            await HttpResponses.WriteProblemAsync(
                context, StatusCodes.Status400BadRequest, "Bad request", "The request body is not valid JSON: " + ex.Message).ConfigureAwait(false);
            return;
        }

        PredictionState state;
        using (document)
        {
            var request = ReadRequest(document.RootElement, route == CreateRoute.Predictions);
            if (request.Problem is { } problem)
            {
                await JsonBody.ProblemAsync(context, problem).ConfigureAwait(false);
                return;
            }

            RegisteredModel? model;
            string version;
            string? deployment = null;
            switch (route)
            {
                case CreateRoute.Models:
                    model = core.FindRunnableModel(target!);
                    if (model is null)
                    {
                        await HttpResponses.NotFoundAsync(context, "The requested model does not exist").ConfigureAwait(false);
                        return;
                    }

                    version = model.IsOfficial ? "hidden" : model.VersionId;
                    break;

                case CreateRoute.Deployments:
                    model = core.FindDeploymentModel(target!);
                    if (model is null)
                    {
                        await HttpResponses.NotFoundAsync(context, "The requested deployment does not exist").ConfigureAwait(false);
                        return;
                    }

                    version = model.VersionId;
                    deployment = target;
                    break;

                default:
                    (model, version) = ResolveVersion(core, request.Version!);
                    if (model is null)
                    {
                        await HttpResponses.WriteProblemAsync(
                            context, StatusCodes.Status422UnprocessableEntity, "Invalid version or not permitted",
                            "The specified version does not exist (or perhaps you don't have permission to use it?)").ConfigureAwait(false);
                        return;
                    }

                    break;
            }

            var input = request.Input!.Value;
            if (model.InputRules.Validate(input) is { } inputProblem)
            {
                await ValidationProblemAsync(context, inputProblem).ConfigureAwait(false);
                return;
            }

            state = core.CreatePrediction(
                model, version, input.Clone(), cancelAfter, deployment, request.Webhook, request.WebhookEventsFilter?.Clone());
        }

        if (wait > 0)
        {
            await WaitForTerminalAsync(context, core, state, wait).ConfigureAwait(false);
        }

        using var json = new PooledBufferWriter(2048);
        var terminal = Serialize(state, json);
        var response = context.Response;
        response.Headers.Location = state.GetUrl;
        if (preferApplied is not null)
        {
            response.Headers["Preference-Applied"] = preferApplied;
        }

        // Sync mode tells "finished" (201) from "still running, poll urls.get" (202); a plain create is 201.
        var status = wait > 0 && !terminal ? StatusCodes.Status202Accepted : StatusCodes.Status201Created;
        await HttpResponses.WriteBytesAsync(context, status, HttpResponses.JsonContentType, json.WrittenMemory).ConfigureAwait(false);
    }

    public static async Task GetAsync(HttpContext context, EmulatorCore core, string id)
    {
        if (core.FindPrediction(id) is not { } state)
        {
            await HttpResponses.NotFoundAsync(context, "The requested prediction does not exist").ConfigureAwait(false);
            return;
        }

        using var json = new PooledBufferWriter(2048);
        Serialize(state, json);
        await HttpResponses.WriteBytesAsync(context, StatusCodes.Status200OK, HttpResponses.JsonContentType, json.WrittenMemory).ConfigureAwait(false);
    }

    public static async Task CancelAsync(HttpContext context, EmulatorCore core, string id)
    {
        if (core.FindPrediction(id) is not { } state)
        {
            await HttpResponses.NotFoundAsync(context, "The requested prediction does not exist").ConfigureAwait(false);
            return;
        }

        state.TryCancel(byDeadline: false);
        using var json = new PooledBufferWriter(2048);
        Serialize(state, json);
        await HttpResponses.WriteBytesAsync(context, StatusCodes.Status200OK, HttpResponses.JsonContentType, json.WrittenMemory).ConfigureAwait(false);
    }

    public static async Task ListAsync(HttpContext context, EmulatorCore core)
    {
        var query = context.Request.Query;
        PageCursor? cursor = null;
        if (query.TryGetValue("cursor", out var cursorValue) && cursorValue.ToString().Length > 0)
        {
            cursor = ListPages.DecodeCursor(cursorValue.ToString());
            if (cursor is null)
            {
                await BadQueryAsync(context, "cursor: not a cursor this server issued").ConfigureAwait(false);
                return;
            }
        }

        var after = query["created_after"].ToString();
        var before = query["created_before"].ToString();
        var source = query["source"].ToString();
        DateTimeOffset? createdAfter = null;
        DateTimeOffset? createdBefore = null;
        if (after.Length > 0)
        {
            createdAfter = ParseDate(after);
            if (createdAfter is null)
            {
                await BadQueryAsync(context, "created_after: expected an RFC 3339 date-time, got '" + after + "'").ConfigureAwait(false);
                return;
            }
        }

        if (before.Length > 0)
        {
            createdBefore = ParseDate(before);
            if (createdBefore is null)
            {
                await BadQueryAsync(context, "created_before: expected an RFC 3339 date-time, got '" + before + "'").ConfigureAwait(false);
                return;
            }
        }

        if (source.Length > 0 && source != "web")
        {
            await BadQueryAsync(context, "source: the only accepted value is 'web', got '" + source + "'").ConfigureAwait(false);
            return;
        }

        // Every emulator prediction comes from the API, so source=web lists nothing.
        var selection = source == "web"
            ? new PageSelection([], false, false)
            : core.SelectPage(
                cursor,
                p => (createdAfter is not { } a || p.CreatedAt >= a) && (createdBefore is not { } b || p.CreatedAt < b),
                Math.Max(1, core.Options.PageSize));

        // The filters travel in next/previous next to the cursor, so following a link keeps filtering.
        var prefix = new StringBuilder(core.Origin).Append("/v1/predictions?");
        AppendParameter(prefix, "created_after", after);
        AppendParameter(prefix, "created_before", before);
        AppendParameter(prefix, "source", source);
        prefix.Append("cursor=");
        var baseUrl = prefix.ToString();
        var next = selection.HasOlder ? baseUrl + ListPages.EncodeCursor('o', selection.Items[^1].Ordinal) : null;
        var previous = selection.HasNewer ? baseUrl + ListPages.EncodeCursor('p', selection.Items[0].Ordinal) : null;

        await HttpResponses.WriteJsonAsync(
            context,
            StatusCodes.Status200OK,
            (Selection: selection, Next: next, Previous: previous),
            static (writer, page) =>
            {
                writer.WriteStartObject();
                writer.WriteString("next", page.Next);
                writer.WriteString("previous", page.Previous);
                writer.WriteStartArray("results");
                foreach (var item in page.Selection.Items)
                {
                    item.WriteJson(writer);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            },
            sizeHint: 1024 * (selection.Items.Count + 1)).ConfigureAwait(false);
    }

    private static bool Serialize(PredictionState state, PooledBufferWriter buffer)
    {
        using var writer = new Utf8JsonWriter(buffer, WireFormat.WriterOptions);
        var terminal = state.WriteJson(writer);
        writer.Flush();
        return terminal;
    }

    private static async Task WaitForTerminalAsync(HttpContext context, EmulatorCore core, PredictionState state, int seconds)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, core.ShuttingDown);
        var timeout = Task.Delay(TimeSpan.FromSeconds(seconds), core.Time, linked.Token);
        try
        {
            await state.WaitForTerminalAsync(timeout).ConfigureAwait(false);
        }
        finally
        {
            // Releases the timer behind the timeout (a real one, or a manual clock's pending entry).
            await linked.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Resolves the <c>version</c> field: a bare 64-hex id, <c>owner/name:id</c>, or <c>owner/name</c> (official
    /// models only, reported as version <c>hidden</c>).
    /// </summary>
    private static (RegisteredModel? Model, string Version) ResolveVersion(EmulatorCore core, string value)
    {
        if (WireFormat.IsVersionId(value))
        {
            return core.FindVersion(value) is { } byId ? (byId, byId.VersionId) : (null, string.Empty);
        }

        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            var id = value[(colon + 1)..];
            return core.FindRunnableModel(value[..colon]) is { } named && string.Equals(named.VersionId, id, StringComparison.OrdinalIgnoreCase)
                ? (named, named.VersionId)
                : (null, string.Empty);
        }

        return core.FindRunnableModel(value) is { IsOfficial: true } official ? (official, "hidden") : (null, string.Empty);
    }

    /// <summary>
    /// Checks the body against the spec's request schema (<c>additionalProperties: false</c>; no nulls for
    /// optional fields), so that clients which send unknown fields or nulls fail here as they would in production.
    /// </summary>
    private static CreateRequest ReadRequest(JsonElement root, bool versionAllowed)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return CreateRequest.Invalid(new ValidationProblem("invalid_type", "(root)", "Invalid type. Expected: object, given: " + JsonBody.Kind(root)));
        }

        string? version = null;
        JsonElement? input = null;
        string? webhook = null;
        JsonElement? filter = null;
        foreach (var property in root.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "version" when versionAllowed:
                    if (value.ValueKind != JsonValueKind.String)
                    {
                        return TypeProblem("version", "string", value);
                    }

                    version = value.GetString();
                    break;

                case "input":
                    if (value.ValueKind != JsonValueKind.Object)
                    {
                        return TypeProblem("input", "object", value);
                    }

                    input = value;
                    break;

                case "webhook":
                    if (value.ValueKind != JsonValueKind.String)
                    {
                        return TypeProblem("webhook", "string", value);
                    }

                    webhook = value.GetString();
                    if (!Uri.TryCreate(webhook, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
                    {
                        return CreateRequest.Invalid(new ValidationProblem("format", "webhook", "Does not match format 'uri'"));
                    }

                    break;

                case "webhook_events_filter":
                    if (value.ValueKind != JsonValueKind.Array)
                    {
                        return TypeProblem("webhook_events_filter", "array", value);
                    }

                    var index = 0;
                    foreach (var item in value.EnumerateArray())
                    {
                        var field = "webhook_events_filter." + index.ToString(CultureInfo.InvariantCulture);
                        if (item.ValueKind != JsonValueKind.String)
                        {
                            return TypeProblem(field, "string", item);
                        }

                        if (!WebhookEvents.Contains(item.GetString(), StringComparer.Ordinal))
                        {
                            return CreateRequest.Invalid(new ValidationProblem(
                                "enum", field, "webhook_events_filter." + index.ToString(CultureInfo.InvariantCulture) + " must be one of the following: \"start\", \"output\", \"logs\", \"completed\""));
                        }

                        index++;
                    }

                    filter = value;
                    break;

                case "stream":
                    if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    {
                        return TypeProblem("stream", "boolean", value);
                    }

                    break;

                default:
                    return CreateRequest.Invalid(new ValidationProblem(
                        "additional_property_not_allowed", "(root)", "Additional property " + property.Name + " is not allowed"));
            }
        }

        if (versionAllowed && version is null)
        {
            return CreateRequest.Invalid(new ValidationProblem("required", "(root)", "version is required"));
        }

        if (input is null)
        {
            return CreateRequest.Invalid(new ValidationProblem("required", "(root)", "input is required"));
        }

        return new CreateRequest(version, input, webhook, filter, null);
    }

    private static CreateRequest TypeProblem(string field, string expected, JsonElement value) =>
        CreateRequest.Invalid(JsonBody.TypeProblem(field, expected, value));

    private static Task ValidationProblemAsync(HttpContext context, string inputProblem)
    {
        // Input problems come as "input.x: description" or "input: description".
        var colon = inputProblem.IndexOf(": ", StringComparison.Ordinal);
        return JsonBody.ProblemAsync(context, new ValidationProblem("invalid", inputProblem[..colon], inputProblem[(colon + 2)..]));
    }

    private static Task BadQueryAsync(HttpContext context, string detail) =>
        HttpResponses.WriteProblemAsync(context, StatusCodes.Status400BadRequest, "Bad request", detail);

    private static DateTimeOffset? ParseDate(string value)
    {
        // A '+' in an offset that was not percent-encoded arrives as a space after query decoding.
        var text = value.Replace(' ', '+');
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : null;
    }

    private static void AppendParameter(StringBuilder url, string name, string value)
    {
        if (value.Length > 0)
        {
            url.Append(name).Append('=').Append(Uri.EscapeDataString(value)).Append('&');
        }
    }

    private sealed record CreateRequest(
        string? Version,
        JsonElement? Input,
        string? Webhook,
        JsonElement? WebhookEventsFilter,
        ValidationProblem? Problem)
    {
        public static CreateRequest Invalid(ValidationProblem problem) => new(null, null, null, null, problem);
    }
}
