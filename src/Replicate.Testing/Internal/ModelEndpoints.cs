using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Replicate.Testing.Internal;

/// <summary>Model and version objects (the spec's <c>schemas_model_response</c> and <c>schemas_version_response</c>).</summary>
internal static class ModelEndpoints
{
    public static Task GetModelAsync(HttpContext context, EmulatorCore core, string fullName)
    {
        if (core.FindModel(fullName) is not { } model)
        {
            return HttpResponses.NotFoundAsync(context, "The requested model does not exist");
        }

        return HttpResponses.WriteJsonAsync(context, StatusCodes.Status200OK, model, static (writer, m) =>
        {
            writer.WriteStartObject();
            writer.WriteString("url", "https://replicate.com/" + m.FullName);
            writer.WriteString("owner", m.Owner);
            writer.WriteString("name", m.Name);
            if (m.Description is null)
            {
                writer.WriteNull("description");
            }
            else
            {
                writer.WriteString("description", m.Description);
            }

            writer.WriteString("visibility", "public");
            writer.WriteNull("github_url");
            writer.WriteNull("paper_url");
            writer.WriteNull("license_url");
            writer.WriteNumber("run_count", m.RunCount);
            writer.WriteNull("cover_image_url");
            writer.WriteNull("default_example");
            writer.WriteBoolean("is_official", m.IsOfficial);
            writer.WritePropertyName("latest_version");
            WriteVersion(writer, m);
            writer.WriteEndObject();
        });
    }

    public static Task ListVersionsAsync(HttpContext context, EmulatorCore core, string fullName)
    {
        if (core.FindModel(fullName) is not { } model)
        {
            return HttpResponses.NotFoundAsync(context, "The requested model does not exist");
        }

        // One version per emulated model, so the page never has neighbours.
        return HttpResponses.WriteJsonAsync(context, StatusCodes.Status200OK, model, static (writer, m) =>
        {
            writer.WriteStartObject();
            writer.WriteNull("next");
            writer.WriteNull("previous");
            writer.WriteStartArray("results");
            WriteVersion(writer, m);
            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    public static Task GetVersionAsync(HttpContext context, EmulatorCore core, string fullName, string versionId)
    {
        if (core.FindModel(fullName) is not { } model)
        {
            return HttpResponses.NotFoundAsync(context, "The requested model does not exist");
        }

        if (!string.Equals(model.VersionId, versionId, StringComparison.OrdinalIgnoreCase))
        {
            return HttpResponses.NotFoundAsync(context, "The requested version does not exist");
        }

        return HttpResponses.WriteJsonAsync(context, StatusCodes.Status200OK, model, static (writer, m) => WriteVersion(writer, m));
    }

    private static void WriteVersion(Utf8JsonWriter writer, RegisteredModel model)
    {
        writer.WriteStartObject();
        writer.WriteString("id", model.VersionId);
        WireFormat.WriteTimestamp(writer, "created_at", model.CreatedAt);
        writer.WriteString("cog_version", "0.14.0");
        writer.WritePropertyName("openapi_schema");
        writer.WriteRawValue(model.OpenApiSchemaJson, skipInputValidation: true);
        writer.WriteEndObject();
    }
}
