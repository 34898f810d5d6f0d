using System.Text.Json;
using System.Text.RegularExpressions;

namespace PrismCheck;

/// <summary>An operation of the spec: its id, method and a pattern for its path (relative to the server URL).</summary>
internal sealed record SpecOperation(string Id, string Method, string PathTemplate, Regex Path);

/// <summary>Reads the operations of the OpenAPI document, so each exchange can be matched to the operation it reached.</summary>
internal static class SpecRoutes
{
    public static List<SpecOperation> Load(string specPath)
    {
        using var spec = JsonDocument.Parse(File.ReadAllBytes(specPath));
        var operations = new List<SpecOperation>();
        foreach (var path in spec.RootElement.GetProperty("paths").EnumerateObject())
        {
            var pattern = new Regex("^" + Regex.Replace(Regex.Escape(path.Name), @"\\\{[^}]+}", "[^/]+") + "$", RegexOptions.CultureInvariant);
            foreach (var operation in path.Value.EnumerateObject())
            {
                if (operation.Value.ValueKind == JsonValueKind.Object && operation.Value.TryGetProperty("operationId", out var id))
                {
                    operations.Add(new SpecOperation(id.GetString()!, operation.Name.ToUpperInvariant(), path.Name, pattern));
                }
            }
        }

        return operations;
    }
}
