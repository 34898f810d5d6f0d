using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Replicate.Testing.Internal;

/// <summary>The hardware SKUs models and deployments can run on (<c>GET /hardware</c>).</summary>
internal static class HardwareCatalog
{
    public static readonly (string Sku, string Name)[] Skus =
    [
        ("cpu", "CPU"),
        ("gpu-t4", "Nvidia T4 GPU"),
        ("gpu-l40s", "Nvidia L40S GPU"),
        ("gpu-a40-small", "Nvidia A40 GPU"),
        ("gpu-a40-large", "Nvidia A40 (Large) GPU"),
        ("gpu-a100-large", "Nvidia A100 (80GB) GPU"),
        ("gpu-h100", "Nvidia H100 GPU"),
    ];

    public static bool IsKnown(string sku) => Array.Exists(Skus, h => h.Sku == sku);

    public static ValidationProblem UnknownProblem(string sku) =>
        new("enum", "hardware", "'" + sku + "' is not a hardware SKU; GET /hardware lists them: " + string.Join(", ", Skus.Select(h => h.Sku)));
}

/// <summary>The account, the hardware list and collections: read-only catalog endpoints.</summary>
internal static class CatalogEndpoints
{
    /// <summary><c>GET /account</c>: the token's account, named by <see cref="ReplicateEmulatorOptions.AccountUsername"/>.</summary>
    public static Task GetAccountAsync(HttpContext context, EmulatorCore core) =>
        HttpResponses.WriteJsonAsync(context, StatusCodes.Status200OK, core.Options.AccountUsername, static (writer, username) =>
        {
            writer.WriteStartObject();
            writer.WriteString("type", "user");
            writer.WriteString("username", username);
            writer.WriteString("name", "Replicate Emulator");
            writer.WriteString("github_url", "https://github.com/" + Uri.EscapeDataString(username));
            writer.WriteEndObject();
        });

    /// <summary><c>GET /hardware</c>: a plain array, not a page.</summary>
    public static Task ListHardwareAsync(HttpContext context) =>
        HttpResponses.WriteJsonAsync(context, StatusCodes.Status200OK, HardwareCatalog.Skus, static (writer, skus) =>
        {
            writer.WriteStartArray();
            foreach (var (sku, name) in skus)
            {
                writer.WriteStartObject();
                writer.WriteString("sku", sku);
                writer.WriteString("name", name);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        });

    /// <summary><c>GET /collections</c>: a page of collections without their models.</summary>
    public static Task ListCollectionsAsync(HttpContext context, EmulatorCore core) =>
        ListPages.WriteAsync(context, core, core.Origin + "/v1/collections?", core.CollectionsSnapshot(), static (writer, c) =>
        {
            writer.WriteStartObject();
            writer.WriteString("name", c.Name);
            writer.WriteString("slug", c.Slug);
            writer.WriteString("description", c.Description);
            writer.WriteEndObject();
        });

    /// <summary><c>GET /collections/{slug}</c>: the collection with its models (those that still exist and the account can see).</summary>
    public static Task GetCollectionAsync(HttpContext context, EmulatorCore core, string slug)
    {
        if (core.FindCollection(slug) is not { } collection)
        {
            return HttpResponses.NotFoundAsync(context, "The requested collection does not exist");
        }

        var models = collection.Models.Select(name => ModelEndpoints.Find(core, name)).OfType<RegisteredModel>().ToArray();
        return HttpResponses.WriteJsonAsync(context, StatusCodes.Status200OK, (Collection: collection, Models: models), static (writer, state) =>
        {
            writer.WriteStartObject();
            writer.WriteString("name", state.Collection.Name);
            writer.WriteString("slug", state.Collection.Slug);
            writer.WriteString("description", state.Collection.Description);
            writer.WriteString("full_description", state.Collection.FullDescription);
            writer.WriteStartArray("models");
            foreach (var model in state.Models)
            {
                ModelJson.WriteModel(writer, model);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    /// <summary>The slugs of the collections a model is in, as search metadata tags.</summary>
    public static IEnumerable<string> CollectionSlugs(EmulatorCore core, RegisteredModel model) =>
        core.CollectionsSnapshot().Where(c => c.Models.Contains(model.FullName, StringComparer.OrdinalIgnoreCase)).Select(c => c.Slug);

    /// <summary>Writes a string array.</summary>
    public static void WriteStrings(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }
}
