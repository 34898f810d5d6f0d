using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Replicate.Testing.Internal;

/// <summary>Model search (<c>QUERY /models</c>, a text/plain body) and the combined search (<c>GET /search</c>, beta).</summary>
internal static class SearchEndpoints
{
    /// <summary>Documentation pages <c>GET /search</c> can find, as Replicate's search returns its docs.</summary>
    private static readonly (string Name, string Href)[] Pages =
    [
        ("Run a model", "https://replicate.com/docs/topics/models/run-a-model"),
        ("Streaming output", "https://replicate.com/docs/topics/predictions/streaming"),
        ("Webhooks", "https://replicate.com/docs/topics/webhooks"),
        ("Deployments", "https://replicate.com/docs/topics/deployments"),
        ("Create a model", "https://replicate.com/docs/topics/models/create-a-model"),
    ];

    /// <summary><c>QUERY /models</c>: models the account can see whose owner, name or description contains the text.</summary>
    public static async Task SearchModelsAsync(HttpContext context, EmulatorCore core, byte[] body)
    {
        var contentType = context.Request.ContentType ?? string.Empty;
        if (!contentType.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase))
        {
            await HttpResponses.WriteProblemAsync(
                context, StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                "QUERY /models takes the search text as a text/plain body, got '" + contentType + "'").ConfigureAwait(false);
            return;
        }

        var text = Encoding.UTF8.GetString(body).Trim();
        if (text.Length == 0)
        {
            await ModelEndpoints.BadRequestAsync(context, "The request body must be the search text").ConfigureAwait(false);
            return;
        }

        var models = Matches(core, text).Select(m => m.Model).ToArray();
        await ListPages.WriteAsync(context, core, core.Origin + "/v1/models?", models, static (writer, m) => ModelJson.WriteModel(writer, m, searchResult: true))
            .ConfigureAwait(false);
    }

    /// <summary><c>GET /search?query=...&amp;limit=...</c>: models with metadata, collections and pages; 400 as JSON <c>{detail}</c>.</summary>
    public static Task SearchAsync(HttpContext context, EmulatorCore core)
    {
        var query = context.Request.Query;
        var text = query["query"].ToString().Trim();
        if (text.Length == 0)
        {
            return DetailAsync(context, "query is required");
        }

        var limit = 20;
        var limitText = query["limit"].ToString();
        if (limitText.Length > 0 && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 50))
        {
            return DetailAsync(context, "limit must be an integer between 1 and 50, got '" + limitText + "'");
        }

        var models = Matches(core, text).OrderByDescending(m => m.Score).Take(limit)
            .Select(m => (m.Model, m.Score, Tags: CatalogEndpoints.CollectionSlugs(core, m.Model).ToArray()))
            .ToArray();
        var collections = core.CollectionsSnapshot()
            .Where(c => Contains(c.Name, text) || Contains(c.Slug, text) || Contains(c.Description, text))
            .ToArray();
        var pages = Pages.Where(p => Contains(p.Name, text)).ToArray();

        return HttpResponses.WriteJsonAsync(context, StatusCodes.Status200OK, (Query: text, Models: models, Collections: collections, Pages: pages), static (writer, result) =>
        {
            writer.WriteStartObject();
            writer.WriteString("query", result.Query);
            writer.WriteStartArray("models");
            foreach (var (model, score, tags) in result.Models)
            {
                writer.WriteStartObject();
                writer.WritePropertyName("model");
                ModelJson.WriteModel(writer, model);
                writer.WriteStartObject("metadata");
                writer.WriteString("generated_description", model.Details.Description);
                CatalogEndpoints.WriteStrings(writer, "tags", tags);
                writer.WriteNumber("score", score);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("collections");
            foreach (var collection in result.Collections)
            {
                writer.WriteStartObject();
                writer.WriteString("name", collection.Name);
                writer.WriteString("slug", collection.Slug);
                writer.WriteString("description", collection.Description);
                CatalogEndpoints.WriteStrings(writer, "models", collection.Models);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("pages");
            foreach (var (name, href) in result.Pages)
            {
                writer.WriteStartObject();
                writer.WriteString("name", name);
                writer.WriteString("href", href);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    /// <summary>
    /// Case-insensitive substring matches on the full name and description, oldest model first, scored by where the
    /// text was found (name 1, owner 0.75, description 0.5).
    /// </summary>
    private static IEnumerable<(RegisteredModel Model, double Score)> Matches(EmulatorCore core, string text)
    {
        foreach (var model in core.ModelsSnapshot())
        {
            if (!model.IsVisibleTo(core.Options.AccountUsername))
            {
                continue;
            }

            var score = Contains(model.Name, text) || Contains(model.FullName, text) ? 1.0
                : Contains(model.Owner, text) ? 0.75
                : Contains(model.Details.Description, text) ? 0.5
                : 0;
            if (score > 0)
            {
                yield return (model, score);
            }
        }
    }

    private static bool Contains(string? value, string text) => value is not null && value.Contains(text, StringComparison.OrdinalIgnoreCase);

    /// <summary>The spec declares <c>/search</c> errors as <c>application/json</c> with a <c>detail</c>.</summary>
    private static Task DetailAsync(HttpContext context, string detail) =>
        HttpResponses.WriteJsonAsync(context, StatusCodes.Status400BadRequest, detail, static (writer, d) =>
        {
            writer.WriteStartObject();
            writer.WriteString("detail", d);
            writer.WriteNumber("status", StatusCodes.Status400BadRequest);
            writer.WriteEndObject();
        });
}
