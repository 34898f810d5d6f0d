using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace Replicate.Cli;

/// <summary>
/// Data on stdout, three ways: JSON (<c>--json</c>), a table or details on a terminal, and plain tab-separated lines
/// when piped (no header, no colour, no wrapping: stable for <c>cut</c> and <c>awk</c>).
/// </summary>
internal static class Output
{
    /// <summary>The SDK's types as the API spells them (snake_case), unset fields left out.</summary>
    private static readonly JsonSerializerOptions Compact = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonSerializerOptions Indented = new(Compact) { WriteIndented = true };

    /// <summary>Writes one JSON document: indented on a terminal, one line when piped.</summary>
    public static void WriteJson<T>(CliContext context, T value)
    {
        context.Out.WriteLine(ToJson(value, context.IsOutputTerminal));
        context.Out.Flush();
    }

    /// <summary>What a delete command prints: <c>Deleted NAME</c>, or <c>{"KEY": NAME, "deleted": true}</c> with <c>--json</c>.</summary>
    public static void WriteDeleted(CliContext context, string key, string name)
    {
        if (context.Json)
        {
            WriteJson(context, new Dictionary<string, object> { [key] = name, ["deleted"] = true });
        }
        else
        {
            context.Out.WriteLine("Deleted " + name);
        }
    }

    public static string ToJson<T>(T value, bool indented) => JsonSerializer.Serialize(value, indented ? Indented : Compact);

    /// <summary>A list: a JSON array with <c>--json</c>, else a table (tab-separated lines when piped).</summary>
    public static void WriteList<T>(CliContext context, IReadOnlyList<T> items, string[] headers, Func<T, string?[]> row)
    {
        if (context.Json)
        {
            WriteJson(context, items);
        }
        else
        {
            WriteTable(context, headers, items.Select(row));
        }
    }

    public static void WriteTable(CliContext context, string[] headers, IEnumerable<string?[]> rows)
    {
        if (context.IsOutputTerminal)
        {
            var table = new Table().Border(TableBorder.Simple);
            foreach (var header in headers)
            {
                table.AddColumn(new TableColumn(Markup.Escape(header)));
            }

            foreach (var row in rows)
            {
                table.AddRow(row.Select(cell => (Spectre.Console.Rendering.IRenderable)new Text(cell ?? string.Empty)).ToArray());
            }

            context.OutputConsole.Write(table);
            return;
        }

        foreach (var row in rows)
        {
            context.Out.WriteLine(string.Join('\t', row.Select(Plain)));
        }

        context.Out.Flush();
    }

    public static void WriteDetails(CliContext context, IEnumerable<(string Name, string? Value)> details)
    {
        var present = details.Where(d => !string.IsNullOrEmpty(d.Value)).ToList();
        if (context.IsOutputTerminal)
        {
            var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
            foreach (var (name, value) in present)
            {
                grid.AddRow(new Text(name, new Style(decoration: Decoration.Bold)), new Text(value!));
            }

            context.OutputConsole.Write(grid);
            return;
        }

        foreach (var (name, value) in present)
        {
            context.Out.WriteLine(name + "\t" + Plain(value));
        }

        context.Out.Flush();
    }

    public static string? Time(DateTimeOffset? time) => time?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>One cell on one line: tabs and newlines would break the columns.</summary>
    private static string Plain(string? value) =>
        value is null ? string.Empty : value.Replace('\t', ' ').Replace("\r\n", " ", StringComparison.Ordinal).Replace('\n', ' ').Replace('\r', ' ');
}
