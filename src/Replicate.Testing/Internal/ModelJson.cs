using System.Text.Json;

namespace Replicate.Testing.Internal;

/// <summary>How model and version objects are written (<c>schemas_model_response</c>, <c>schemas_version_response</c>).</summary>
internal static class ModelJson
{
    /// <summary>
    /// Writes a model. <paramref name="searchResult"/> writes the shape <c>QUERY /models</c> returns: a non-null
    /// <c>description</c> (left out when there is none) and the <c>created_at</c> Replicate sends there.
    /// </summary>
    public static void WriteModel(Utf8JsonWriter writer, RegisteredModel model, bool searchResult = false)
    {
        var details = model.Details;
        writer.WriteStartObject();
        writer.WriteString("url", "https://replicate.com/" + model.FullName);
        writer.WriteString("owner", model.Owner);
        writer.WriteString("name", model.Name);
        if (details.Description is not null || !searchResult)
        {
            writer.WriteString("description", details.Description);
        }

        writer.WriteString("visibility", details.Visibility);
        writer.WriteString("github_url", details.GithubUrl);
        writer.WriteString("paper_url", details.PaperUrl);
        writer.WriteString("license_url", details.LicenseUrl);
        writer.WriteNumber("run_count", model.RunCount);
        writer.WriteString("cover_image_url", details.CoverImageUrl);
        writer.WritePropertyName("default_example");
        if (model.ExamplesSnapshot() is [var example, ..])
        {
            example.WriteJson(writer);
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WriteBoolean("is_official", model.IsOfficial);
        writer.WritePropertyName("latest_version");
        if (model.HasVersion)
        {
            WriteVersion(writer, model);
        }
        else
        {
            writer.WriteNullValue();
        }

        if (searchResult)
        {
            WireFormat.WriteTimestamp(writer, "created_at", model.CreatedAt);
        }

        writer.WriteEndObject();
    }

    public static void WriteVersion(Utf8JsonWriter writer, RegisteredModel model)
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
