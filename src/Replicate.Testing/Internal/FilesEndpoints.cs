using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Replicate.Testing.Internal;

/// <summary>
/// The Files API: <c>POST /files</c> (multipart, streamed to disk with checksums computed on the way, 413 past
/// <see cref="ReplicateEmulatorOptions.MaxFileSize"/>), get, delete, list, and the signed <c>download</c>.
/// </summary>
internal static class FilesEndpoints
{
    /// <summary>The most a text part (<c>metadata</c>, <c>filename</c>, <c>type</c>) may hold.</summary>
    private const int MaxTextPartBytes = 64 * 1024;

    public static async Task CreateAsync(HttpContext context, EmulatorCore core)
    {
        var request = context.Request;
        var limit = core.Options.MaxFileSize;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
        {
            await HttpResponses.WriteProblemAsync(
                context, StatusCodes.Status400BadRequest, "Bad request", "The request must be multipart/form-data with a boundary").ConfigureAwait(false);
            return;
        }

        // The multipart envelope adds a few hundred bytes; a declared length far past the limit is refused unread.
        if (request.ContentLength > limit + MaxTextPartBytes)
        {
            await TooLargeAsync(context, limit).ConfigureAwait(false);
            return;
        }

        // Kestrel's default 30 MB cap would cut large uploads; this endpoint enforces its own limit as it streams.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = null;
        }

        var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = null };
        string? fileName = null, contentType = null, typePart = null, namePart = null, path = null;
        byte[] metadata = "{}"u8.ToArray();
        (long Size, string Sha256, string Md5)? content = null;
        var stored = false;
        try
        {
            while (await reader.ReadNextSectionAsync(context.RequestAborted).ConfigureAwait(false) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                switch (HeaderUtilities.RemoveQuotes(disposition.Name).Value)
                {
                    case "content":
                        fileName = HeaderUtilities.RemoveQuotes(disposition.FileName).Value ?? disposition.FileNameStar.Value;
                        contentType = section.ContentType;
                        path ??= core.UploadedFiles.NewContentPath();
                        content = await SaveAsync(section.Body, path, limit, context.RequestAborted).ConfigureAwait(false);
                        if (content is null)
                        {
                            await TooLargeAsync(context, limit).ConfigureAwait(false);
                            return;
                        }

                        break;
                    case "metadata":
                        metadata = await ReadTextPartAsync(section.Body, context.RequestAborted).ConfigureAwait(false);
                        if (!IsJsonObject(metadata))
                        {
                            await JsonBody.ProblemAsync(context, new ValidationProblem("invalid_type", "metadata", "Invalid type. Expected: object")).ConfigureAwait(false);
                            return;
                        }

                        break;
                    case "filename":
                        namePart = Encoding.UTF8.GetString(await ReadTextPartAsync(section.Body, context.RequestAborted).ConfigureAwait(false));
                        break;
                    case "type":
                        typePart = Encoding.UTF8.GetString(await ReadTextPartAsync(section.Body, context.RequestAborted).ConfigureAwait(false));
                        break;
                }
            }

            if (content is not { } saved || path is null)
            {
                await JsonBody.ProblemAsync(context, new ValidationProblem("required", "(root)", "content is required")).ConfigureAwait(false);
                return;
            }

            var name = namePart ?? fileName ?? "file";
            if (Encoding.UTF8.GetByteCount(name) > 255)
            {
                await JsonBody.ProblemAsync(context, new ValidationProblem("string_lte", "filename", "String length must be less than or equal to 255 bytes")).ConfigureAwait(false);
                return;
            }

            var file = new UploadedFile(
                WireFormat.NewId(), name, typePart ?? contentType ?? "application/octet-stream", saved.Size, saved.Sha256, saved.Md5, metadata, core.Time.GetUtcNow(), path);
            core.UploadedFiles.Add(file);
            stored = true;
            await WriteFileAsync(context, core, file, StatusCodes.Status201Created).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            await HttpResponses.WriteProblemAsync(
                context, StatusCodes.Status400BadRequest, "Bad request", "The multipart body is malformed: " + ex.Message).ConfigureAwait(false);
        }
        finally
        {
            // Anything but a stored file leaves no content behind.
            if (path is not null && !stored)
            {
                UploadedFileStore.TryDelete(path);
            }
        }
    }

    public static Task GetAsync(HttpContext context, EmulatorCore core, string id) =>
        core.UploadedFiles.Find(id) is { } file
            ? WriteFileAsync(context, core, file, StatusCodes.Status200OK)
            : FileNotFoundAsync(context);

    public static Task DeleteAsync(HttpContext context, EmulatorCore core, string id)
    {
        if (!core.UploadedFiles.Remove(id))
        {
            return FileNotFoundAsync(context);
        }

        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    public static Task ListAsync(HttpContext context, EmulatorCore core) =>
        ListPages.WriteAsync(context, core, core.Origin + "/v1/files?", core.UploadedFiles.NewestFirst(), (writer, file) => file.WriteJson(writer, core.Origin));

    /// <summary>
    /// <c>GET /files/{id}/download?owner&amp;expiry&amp;signature</c>: no token needed, the signature is the grant. Any
    /// failure (unknown file, wrong owner, expired, bad signature) is the spec's only error, 404.
    /// </summary>
    public static async Task DownloadAsync(HttpContext context, EmulatorCore core, string id)
    {
        var query = context.Request.Query;
        var owner = query["owner"].ToString();
        var signature = query["signature"].ToString();
        if (core.UploadedFiles.Find(id) is not { } file
            || !string.Equals(owner, core.Options.AccountUsername, StringComparison.Ordinal)
            || !long.TryParse(query["expiry"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var expiry)
            || expiry < core.Time.GetUtcNow().ToUnixTimeSeconds()
            || !core.UploadedFiles.IsValidSignature(owner, id, expiry, signature))
        {
            await FileNotFoundAsync(context).ConfigureAwait(false);
            return;
        }

        await Results.Stream(file.OpenRead(), "application/octet-stream", fileDownloadName: null, enableRangeProcessing: true)
            .ExecuteAsync(context).ConfigureAwait(false);
    }

    /// <summary>A signed download URL valid until <paramref name="expiry"/>, as Replicate hands them out.</summary>
    public static Uri CreateDownloadUrl(EmulatorCore core, string id, DateTimeOffset expiry)
    {
        var owner = core.Options.AccountUsername;
        var seconds = expiry.ToUnixTimeSeconds();
        return new Uri(core.Origin + "/v1/files/" + Uri.EscapeDataString(id) + "/download?owner=" + Uri.EscapeDataString(owner)
            + "&expiry=" + WireFormat.Invariant(seconds) + "&signature=" + Uri.EscapeDataString(core.UploadedFiles.Sign(owner, id, seconds)));
    }

    /// <summary>Streams a part to disk, hashing as it goes; null when it passes <paramref name="limit"/>.</summary>
    private static async Task<(long Size, string Sha256, string Md5)?> SaveAsync(Stream body, string path, long limit, CancellationToken cancellationToken)
    {
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(81920);
        long size = 0;
        try
        {
            var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    size += read;
                    if (size > limit)
                    {
                        return null;
                    }

                    sha256.AppendData(buffer, 0, read);
                    md5.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        return (size, WireFormat.ToHexLower(sha256.GetHashAndReset()), WireFormat.ToHexLower(md5.GetHashAndReset()));
    }

    private static async Task<byte[]> ReadTextPartAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxTextPartBytes)
            {
                throw new InvalidDataException("a text part is larger than " + WireFormat.Invariant(MaxTextPartBytes) + " bytes");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static bool IsJsonObject(byte[] json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static Task WriteFileAsync(HttpContext context, EmulatorCore core, UploadedFile file, int status) =>
        HttpResponses.WriteJsonAsync(context, status, (File: file, core.Origin), static (writer, state) => state.File.WriteJson(writer, state.Origin), 1024);

    private static Task FileNotFoundAsync(HttpContext context) => HttpResponses.NotFoundAsync(context, "File not found");

    private static Task TooLargeAsync(HttpContext context, long limit) =>
        HttpResponses.WriteProblemAsync(
            context,
            StatusCodes.Status413PayloadTooLarge,
            "Content too large",
            "Files must be less than " + (limit % (1024 * 1024) == 0 ? WireFormat.Invariant(limit / (1024 * 1024)) + "MB" : WireFormat.Invariant(limit) + " bytes") + " in size");
}
