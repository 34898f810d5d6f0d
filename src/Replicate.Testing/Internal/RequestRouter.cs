using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Replicate.Testing.Internal;

/// <summary>
/// The single terminal middleware: record, inject faults, authenticate, dispatch. Routing by hand keeps the hot
/// path free of reflection and lets every miss answer with Replicate's problem-details shape.
/// </summary>
internal static class RequestRouter
{
    public static async Task HandleAsync(HttpContext context, EmulatorCore core)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        var method = request.Method;
        var body = HttpMethods.IsPost(method) && path.TrimEnd('/') == "/v1/files"
            ? await ReadUploadForRecordAsync(context, core).ConfigureAwait(false)
            : await ReadBodyAsync(context).ConfigureAwait(false);

        if (core.Options.RecordRequests)
        {
            core.Record(Capture(request, path, body, core.Time.GetUtcNow()));
        }

        // Only loopback names: a page on another site that rebinds its DNS name to 127.0.0.1 must not reach an emulator
        // whose default token is public knowledge.
        if (!IsLoopbackHost(request.Host.Host))
        {
            await HttpResponses.WriteProblemAsync(
                context, StatusCodes.Status400BadRequest, "Invalid host", "The emulator answers only requests addressed to 127.0.0.1, localhost or [::1].").ConfigureAwait(false);
            return;
        }

        if (core.Faults.TryTake(method, path) is { } fault)
        {
            await FaultInjector.ApplyAsync(context, core, fault).ConfigureAwait(false);
            return;
        }

        if (path.StartsWith(FileStore.PathPrefix, StringComparison.Ordinal))
        {
            await FileEndpoint.ServeAsync(context, core, path).ConfigureAwait(false);
            return;
        }

        if (!path.StartsWith("/v1/", StringComparison.Ordinal))
        {
            await HttpResponses.NotFoundAsync(context, "The requested resource does not exist").ConfigureAwait(false);
            return;
        }

        var segments = path[4..].TrimEnd('/').Split('/');

        // Stream URLs act as their own credential (the JS and Go clients send no Authorization to them).
        if (segments is ["streams", var streamId])
        {
            if (!HttpMethods.IsGet(method))
            {
                await MethodNotAllowedAsync(context, "GET").ConfigureAwait(false);
                return;
            }

            await StreamEndpoint.StreamAsync(context, core, streamId).ConfigureAwait(false);
            return;
        }

        // Signed download URLs carry their own grant (owner, expiry, signature); the spec's example sends no token.
        if (segments is ["files", var downloadId, "download"])
        {
            await (HttpMethods.IsGet(method) || HttpMethods.IsHead(method)
                ? FilesEndpoints.DownloadAsync(context, core, downloadId)
                : MethodNotAllowedAsync(context, "GET, HEAD")).ConfigureAwait(false);
            return;
        }

        if (!IsAuthorized(request, core.Options.ApiToken))
        {
            await HttpResponses.WriteProblemAsync(
                context, StatusCodes.Status401Unauthorized, "Unauthenticated", "You did not pass a valid authentication token").ConfigureAwait(false);
            return;
        }

        if (!await core.Limits.TryAdmitAsync(context, core, IsCreate(method, segments)).ConfigureAwait(false))
        {
            return;
        }

        await DispatchAsync(context, core, method, segments, body).ConfigureAwait(false);
    }

    /// <summary>Whether a request creates a prediction (of a version, a model or a deployment): the create rate limit's.</summary>
    private static bool IsCreate(string method, string[] segments) =>
        HttpMethods.IsPost(method) && segments is ["predictions"] or ["models", _, _, "predictions"] or ["models", _, _, "versions", _, "predictions"] or ["deployments", _, _, "predictions"];

    private static Task DispatchAsync(HttpContext context, EmulatorCore core, string method, string[] segments, byte[] body)
    {
        var get = HttpMethods.IsGet(method);
        var post = HttpMethods.IsPost(method);
        var patch = HttpMethods.IsPatch(method);
        var delete = HttpMethods.IsDelete(method);
        switch (segments)
        {
            case ["predictions"]:
                return get ? PredictionEndpoints.ListAsync(context, core)
                    : post ? PredictionEndpoints.CreateAsync(context, core, body, CreateRoute.Predictions, null)
                    : MethodNotAllowedAsync(context, "GET, POST");
            case ["predictions", var id]:
                return get ? PredictionEndpoints.GetAsync(context, core, id) : MethodNotAllowedAsync(context, "GET");
            case ["predictions", var id, "cancel"]:
                return post ? PredictionEndpoints.CancelAsync(context, core, id) : MethodNotAllowedAsync(context, "POST");
            case ["models"]:
                return get ? ModelEndpoints.ListModelsAsync(context, core)
                    : post ? ModelEndpoints.CreateModelAsync(context, core, body)
                    : method == "QUERY" ? SearchEndpoints.SearchModelsAsync(context, core, body)
                    : MethodNotAllowedAsync(context, "GET, POST, QUERY");
            case ["models", var owner, var name]:
                return get ? ModelEndpoints.GetModelAsync(context, core, owner + "/" + name)
                    : patch ? ModelEndpoints.UpdateModelAsync(context, core, owner + "/" + name, body)
                    : delete ? ModelEndpoints.DeleteModelAsync(context, core, owner + "/" + name)
                    : MethodNotAllowedAsync(context, "GET, PATCH, DELETE");
            case ["models", var owner, var name, "readme"]:
                return get ? ModelEndpoints.GetReadmeAsync(context, core, owner + "/" + name) : MethodNotAllowedAsync(context, "GET");
            case ["models", var owner, var name, "examples"]:
                return get ? ModelEndpoints.ListExamplesAsync(context, core, owner + "/" + name) : MethodNotAllowedAsync(context, "GET");
            case ["models", var owner, var name, "predictions"]:
                return post
                    ? PredictionEndpoints.CreateAsync(context, core, body, CreateRoute.Models, owner + "/" + name)
                    : MethodNotAllowedAsync(context, "POST");
            case ["models", var owner, var name, "versions"]:
                return get ? ModelEndpoints.ListVersionsAsync(context, core, owner + "/" + name) : MethodNotAllowedAsync(context, "GET");
            case ["models", var owner, var name, "versions", var version]:
                return get ? ModelEndpoints.GetVersionAsync(context, core, owner + "/" + name, version)
                    : delete ? ModelEndpoints.DeleteVersionAsync(context, core, owner + "/" + name, version)
                    : MethodNotAllowedAsync(context, "GET, DELETE");
            case ["deployments"]:
                return get ? DeploymentEndpoints.ListAsync(context, core)
                    : post ? DeploymentEndpoints.CreateAsync(context, core, body)
                    : MethodNotAllowedAsync(context, "GET, POST");
            case ["deployments", var owner, var name]:
                return get ? DeploymentEndpoints.GetAsync(context, core, owner + "/" + name)
                    : patch ? DeploymentEndpoints.UpdateAsync(context, core, owner + "/" + name, body)
                    : delete ? DeploymentEndpoints.DeleteAsync(context, core, owner + "/" + name)
                    : MethodNotAllowedAsync(context, "GET, PATCH, DELETE");
            case ["deployments", var owner, var name, "predictions"]:
                return post
                    ? PredictionEndpoints.CreateAsync(context, core, body, CreateRoute.Deployments, owner + "/" + name)
                    : MethodNotAllowedAsync(context, "POST");
            case ["models", var owner, var name, "versions", var version, "trainings"]:
                return post
                    ? TrainingEndpoints.CreateAsync(context, core, body, owner + "/" + name, version)
                    : MethodNotAllowedAsync(context, "POST");
            case ["trainings"]:
                return get ? TrainingEndpoints.ListAsync(context, core) : MethodNotAllowedAsync(context, "GET");
            case ["trainings", var trainingId]:
                return get ? TrainingEndpoints.GetAsync(context, core, trainingId) : MethodNotAllowedAsync(context, "GET");
            case ["trainings", var trainingId, "cancel"]:
                return post ? TrainingEndpoints.CancelAsync(context, core, trainingId) : MethodNotAllowedAsync(context, "POST");
            case ["webhooks", "default", "secret"]:
                return get
                    ? HttpResponses.WriteJsonAsync(context, StatusCodes.Status200OK, core.Webhooks.Secret, static (writer, key) =>
                    {
                        writer.WriteStartObject();
                        writer.WriteString("key", key);
                        writer.WriteEndObject();
                    })
                    : MethodNotAllowedAsync(context, "GET");
            case ["files"]:
                return get ? FilesEndpoints.ListAsync(context, core)
                    : post ? FilesEndpoints.CreateAsync(context, core)
                    : MethodNotAllowedAsync(context, "GET, POST");
            case ["files", var fileId]:
                return get ? FilesEndpoints.GetAsync(context, core, fileId)
                    : delete ? FilesEndpoints.DeleteAsync(context, core, fileId)
                    : MethodNotAllowedAsync(context, "GET, DELETE");
            case ["collections"]:
                return get ? CatalogEndpoints.ListCollectionsAsync(context, core) : MethodNotAllowedAsync(context, "GET");
            case ["collections", var slug]:
                return get ? CatalogEndpoints.GetCollectionAsync(context, core, slug) : MethodNotAllowedAsync(context, "GET");
            case ["hardware"]:
                return get ? CatalogEndpoints.ListHardwareAsync(context) : MethodNotAllowedAsync(context, "GET");
            case ["account"]:
                return get ? CatalogEndpoints.GetAccountAsync(context, core) : MethodNotAllowedAsync(context, "GET");
            case ["search"]:
                return get ? SearchEndpoints.SearchAsync(context, core) : MethodNotAllowedAsync(context, "GET");
            default:
                return HttpResponses.NotFoundAsync(context, "The requested resource does not exist");
        }
    }

    private static Task MethodNotAllowedAsync(HttpContext context, string allow)
    {
        context.Response.Headers.Allow = allow;
        return HttpResponses.WriteProblemAsync(
            context, StatusCodes.Status405MethodNotAllowed, "Method not allowed", "This endpoint accepts " + allow);
    }

    private static bool IsLoopbackHost(string host) =>
        host is "127.0.0.1" or "[::1]" or "::1" || host.Equals("localhost", StringComparison.OrdinalIgnoreCase);

    /// <summary>Accepts <c>Bearer</c> and the legacy <c>Token</c> scheme (both case-insensitive).</summary>
    private static bool IsAuthorized(HttpRequest request, string? expected)
    {
        var token = PresentedToken(request, out _);
        return !token.IsEmpty && (expected is null || token.SequenceEqual(expected));
    }

    /// <summary>The credential of a single <c>Authorization: Bearer|Token ...</c> header, else empty; <paramref name="scheme"/> as sent.</summary>
    private static ReadOnlySpan<char> PresentedToken(HttpRequest request, out string? scheme)
    {
        scheme = null;
        var header = request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { } value)
        {
            return default;
        }

        foreach (var candidate in (ReadOnlySpan<string>)["Bearer ", "Token "])
        {
            if (value.StartsWith(candidate, StringComparison.OrdinalIgnoreCase))
            {
                scheme = value[..(candidate.Length - 1)];
                return value.AsSpan(candidate.Length).Trim();
            }
        }

        return default;
    }

    /// <summary>
    /// An upload is streamed to disk by its endpoint, not buffered here. One small enough to keep (a known length up to
    /// 1 MiB, when requests are recorded) is read first, so <see cref="RecordedRequest.Body"/> shows its multipart
    /// shape, and handed to the endpoint from memory; larger ones are recorded without their body.
    /// </summary>
    private static async Task<byte[]> ReadUploadForRecordAsync(HttpContext context, EmulatorCore core)
    {
        if (!core.Options.RecordRequests || context.Request.ContentLength is not (> 0 and <= 1024 * 1024))
        {
            return [];
        }

        var body = await ReadBodyAsync(context).ConfigureAwait(false);
        context.Request.Body = new MemoryStream(body, writable: false);
        return body;
    }

    private static async Task<byte[]> ReadBodyAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentLength == 0
            || context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            return [];
        }

        using var buffer = request.ContentLength is { } length and <= int.MaxValue
            ? new MemoryStream((int)length)
            : new MemoryStream();
        await request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        return buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
    }

    private static RecordedRequest Capture(HttpRequest request, string path, byte[] body, DateTimeOffset now)
    {
        var headers = new Dictionary<string, string>(request.Headers.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in request.Headers)
        {
            headers[name] = values.Count == 1 ? values[0] ?? string.Empty : string.Join(", ", values.ToArray());
        }

        // A real token must never end up in test output: keep the scheme, and a hash to check the token with.
        byte[]? tokenHash = null;
        if (headers.ContainsKey("Authorization"))
        {
            var token = PresentedToken(request, out var scheme);
            tokenHash = token.IsEmpty ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token.ToString()));
            headers["Authorization"] = (scheme ?? "(unknown scheme)") + " [redacted]";
        }

        return new RecordedRequest(
            request.Method,
            path,
            request.QueryString.Value ?? string.Empty,
            headers,
            body.Length == 0 ? string.Empty : Encoding.UTF8.GetString(body),
            now,
            tokenHash);
    }
}
