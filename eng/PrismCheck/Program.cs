using System.Globalization;
using System.Text.Json;
using Replicate;

namespace PrismCheck;

/// <summary>
/// Calls every operation of Replicate's OpenAPI spec that Prism can serve through the SDK, against a Prism mock of that
/// spec, and reports per operation whether Prism accepted the request (no violation) and whether the SDK read the
/// response (no exception, every property readable). Usage: <c>PrismCheck &lt;prism-base-url&gt; &lt;openapi.json&gt; [label]</c>.
/// Exit code: 0 when everything conforms, 1 on any failure, 2 on bad arguments.
/// </summary>
internal static class Program
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(15);

    public static async Task<int> Main(string[] args)
    {
        if (args.Length is < 2 or > 3 || !Uri.TryCreate(args[0], UriKind.Absolute, out var prism) || !File.Exists(args[1]))
        {
            await Console.Error.WriteLineAsync("usage: PrismCheck <prism-base-url> <openapi.json> [label]");
            return 2;
        }

        var label = args.Length == 3 ? args[2] : "prism";
        var spec = SpecRoutes.Load(args[1]);
        var options = new ReplicateClientOptions
        {
            ApiToken = "r8_prism",
            BaseAddress = prism,
            MaxRetries = 0,
            RequestTimeout = TimeSpan.FromSeconds(10),
        };

        // The SDK's own handler chain (what `new ReplicateClient(options)` builds), with the recorder at the bottom so it
        // sees exactly what goes on the wire and Prism's sl-violations header on the way back.
        var recorder = new RecordingHandler(new SocketsHttpHandler());
        using var http = new HttpClient(ReplicateClient.CreateHttpMessageHandler(options, recorder)) { Timeout = Timeout.InfiniteTimeSpan };
        using var client = new ReplicateClient(http, options);

        var results = new List<Result>();
        foreach (var operation in Operations.All.Concat(Operations.Probes))
        {
            var route = spec.Find(s => s.Id == operation.Id);
            results.Add(route is null
                ? new Result(operation, "?", ["not an operation of the spec"], null, [])
                : await CheckAsync(client, recorder, operation, route));
        }

        var uncovered = spec.Where(s => s.Id != Operations.ExcludedQueryOperation && Operations.All.All(o => o.Id != s.Id)).ToList();
        Print(label, results, spec.Count, uncovered);
        var failed = results.Count(r => !r.Passed) + uncovered.Count;
        return failed == 0 ? 0 : 1;
    }

    private static async Task<Result> CheckAsync(ReplicateClient client, RecordingHandler recorder, Operation operation, SpecOperation route)
    {
        recorder.Drain();
        Exception? failure = null;
        using (var timeout = new CancellationTokenSource(CallTimeout))
        {
            try
            {
                var value = await operation.Call(client, timeout.Token);
                ResponseReader.ReadAll(value);
            }
#pragma warning disable CA1031 // Any exception is a finding to report, not a reason to stop the run.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failure = ex;
            }
        }

        var exchanges = recorder.Drain();
        var problems = new List<string>();
        var known = new List<string>();
        if (!exchanges.Any(e => e.Method == route.Method && route.Path.IsMatch(e.Path)))
        {
            problems.Add($"never reached {route.Method} {route.PathTemplate} (sent: {string.Join(", ", exchanges.Select(e => $"{e.Method} {e.Path}"))})");
        }

        var rejectedForKnownReasons = false;
        foreach (var exchange in exchanges)
        {
            // The header lists request and response violations; a rejected request's problem+json body lists its own.
            var violations = Parse(exchange.Violations).Concat(Parse(exchange.ErrorBody)).Distinct().ToList();
            var unexplained = new List<Violation>();
            foreach (var violation in violations)
            {
                if (KnownFindings.Explain(operation.Id, violation) is { } reason)
                {
                    known.Add($"{violation} ({reason.Split(':')[0]})");
                }
                else
                {
                    unexplained.Add(violation);
                }
            }

            problems.AddRange(unexplained.Select(v => $"{exchange.Method} {exchange.Path}: {v}"));
            if ((int)exchange.Status >= 400)
            {
                if (violations.Count > 0 && unexplained.Count == 0)
                {
                    rejectedForKnownReasons = true;
                }
                else if (unexplained.Count == 0)
                {
                    problems.Add($"Prism answered {(int)exchange.Status} to {exchange.Method} {exchange.Path}: {Truncate(exchange.ErrorBody ?? string.Empty)}");
                }
            }
        }

        // A request Prism rejected makes the SDK throw ReplicateApiException, as it should: the response verdict is then moot.
        var rejected = exchanges.Any(e => (int)e.Status >= 400);
        string? responseProblem = failure switch
        {
            null => null,
            ReplicateApiException when rejected => null,
            _ => $"{failure.GetType().Name}: {Flatten(failure)}",
        };
        var summary = rejectedForKnownReasons ? "rejected by Prism, for a known reason"
            : $"{exchanges.Count} request(s), status {string.Join(",", exchanges.Select(e => (int)e.Status))}";
        return new Result(operation, $"{route.Method} {route.PathTemplate}", problems, responseProblem, known, summary, rejected);
    }

    /// <summary>Reads Prism's violations from an <c>sl-violations</c> header (a JSON array) or a problem+json body (its <c>validation</c> array).</summary>
    private static List<Violation> Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var list = root.ValueKind == JsonValueKind.Array ? root
                : root.ValueKind == JsonValueKind.Object && root.TryGetProperty("validation", out var validation) ? validation
                : default;
            if (list.ValueKind != JsonValueKind.Array)
            {
                return [];
            }

            return list.EnumerateArray().Select(v => new Violation(
                v.TryGetProperty("location", out var location) && location.ValueKind == JsonValueKind.Array
                    ? string.Join(".", location.EnumerateArray().Select(l => l.ToString()))
                    : string.Empty,
                v.TryGetProperty("code", out var code) ? code.ToString() : string.Empty,
                v.TryGetProperty("message", out var message) ? message.ToString() : v.GetRawText())).ToList();
        }
        catch (JsonException)
        {
            return [new Violation(string.Empty, string.Empty, Truncate(json))];
        }
    }

    private static string Flatten(Exception ex)
    {
        var messages = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
        }

        return Truncate(string.Join(" -> ", messages.Distinct()));
    }

    private static string Truncate(string text) => text.Length <= 400 ? text : text[..400] + "...";

    private static void Print(string label, List<Result> results, int specCount, List<SpecOperation> uncovered)
    {
        var operations = results.Where(r => r.Operation.Variant is null).ToList();
        var probes = results.Where(r => r.Operation.Variant is not null).ToList();
        Console.WriteLine();
        Console.WriteLine($"Prism conformance, {label}: {operations.Count} of the spec's {specCount} operations checked; "
            + $"{Operations.ExcludedQueryOperation} (QUERY) excluded: Prism cannot serve the QUERY method.");
        var idWidth = Math.Max(9, results.Max(r => r.Name.Length));
        var routeWidth = Math.Max(5, results.Max(r => r.Route.Length));
        Console.WriteLine($"| {"operation".PadRight(idWidth)} | {"route".PadRight(routeWidth)} | request | response | detail");
        Console.WriteLine($"|-{new string('-', idWidth)}-|-{new string('-', routeWidth)}-|---------|----------|-------");
        foreach (var r in operations)
        {
            PrintRow(r, idWidth, routeWidth);
        }

        foreach (var op in uncovered)
        {
            Console.WriteLine($"| {op.Id.PadRight(idWidth)} | {$"{op.Method} {op.PathTemplate}".PadRight(routeWidth)} | FAIL    | FAIL     | no SDK call in the checker");
        }

        if (probes.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("Probes (conforming calls Prism cannot validate; not counted unless they fail for another reason):");
            foreach (var r in probes)
            {
                PrintRow(r, idWidth, routeWidth);
            }
        }

        var known = results.SelectMany(r => r.Known.Select(k => (r.Name, k))).ToList();
        if (known.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("Known Prism/spec findings seen (not failures):");
            foreach (var group in known.GroupBy(k => k.k))
            {
                Console.WriteLine($"  {group.Key}: {string.Join(", ", group.Select(g => g.Name).Distinct())}");
            }
        }

        Console.WriteLine();
        var passed = operations.Count(r => r.Passed);
        var failed = operations.Count - passed + probes.Count(r => !r.Passed) + uncovered.Count;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{passed} passed, {failed} failed"));
    }

    private static void PrintRow(Result r, int idWidth, int routeWidth)
    {
        var request = r.RequestProblems.Count == 0 ? "ok" : "FAIL";
        var response = r.ResponseProblem is not null ? "FAIL" : r.Rejected ? "n/a" : "ok";
        var detail = r.Passed
            ? r.Summary + (r.Known.Count > 0 ? $"; known: {r.Known.Count}" : string.Empty)
            : string.Join("; ", r.RequestProblems.Append(r.ResponseProblem).OfType<string>());
        Console.WriteLine($"| {r.Name.PadRight(idWidth)} | {r.Route.PadRight(routeWidth)} | {request,-7} | {response,-8} | {detail}");
    }

    private sealed record Result(
        Operation Operation, string Route, List<string> RequestProblems, string? ResponseProblem, List<string> Known, string Summary = "", bool Rejected = false)
    {
        public string Name => Operation.Variant is null ? Operation.Id : $"{Operation.Id} ({Operation.Variant})";

        public bool Passed => RequestProblems.Count == 0 && ResponseProblem is null;
    }
}
