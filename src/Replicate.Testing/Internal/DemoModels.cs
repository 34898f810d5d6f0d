using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Replicate.Testing.Internal;

/// <summary>
/// The built-in models: a token-streaming text model, an image model that draws real PNGs, a model that fails,
/// and a non-official model that must be run by version. Together they cover the output shapes clients meet.
/// </summary>
internal static class DemoModels
{
    public const string Llama = "meta/meta-llama-3-8b-instruct";
    public const string Flux = "black-forest-labs/flux-schnell";
    public const string Failing = "replicate/failing-model";
    public const string HelloWorld = "replicate/hello-world";

    private const string Reply =
        "I'm a friendly emulated language model running on your own machine. I stream my answer one token at a " +
        "time, just like the real thing, so you can test how your code renders partial output. Nothing you send " +
        "me leaves this computer, and every run costs exactly nothing. Have a wonderful day!";

    public static void Register(EmulatorCore core)
    {
        var tokenDelay = core.Options.DemoTokenDelay;

        core.AddModel(Llama, (input, context) => RunLlamaAsync(input, context, tokenDelay), new EmulatorModelOptions
        {
            Description = "Emulated Llama 3 8B Instruct: echoes the prompt and streams a fixed friendly reply token by token.",
            OpenApiSchema = Schema(
                new JsonObject
                {
                    ["prompt"] = new JsonObject { ["type"] = "string", ["title"] = "Prompt", ["x-order"] = 0 },
                    ["max_tokens"] = new JsonObject
                    {
                        ["type"] = "integer", ["title"] = "Max Tokens", ["default"] = 128, ["minimum"] = 1, ["x-order"] = 1,
                    },
                },
                ["prompt"],
                new JsonObject
                {
                    ["type"] = "array",
                    ["title"] = "Output",
                    ["items"] = new JsonObject { ["type"] = "string" },
                    ["x-cog-array-type"] = "iterator",
                    ["x-cog-array-display"] = "concatenate",
                }),
        });

        core.AddModel(Flux, RunFluxAsync, new EmulatorModelOptions
        {
            Description = "Emulated FLUX.1 [schnell]: draws a deterministic PNG from the prompt and seed.",
            OpenApiSchema = Schema(
                new JsonObject
                {
                    ["prompt"] = new JsonObject { ["type"] = "string", ["title"] = "Prompt", ["x-order"] = 0 },
                    ["seed"] = new JsonObject { ["type"] = "integer", ["title"] = "Seed", ["x-order"] = 1 },
                    ["num_outputs"] = new JsonObject
                    {
                        ["type"] = "integer", ["title"] = "Num Outputs", ["default"] = 1, ["minimum"] = 1, ["maximum"] = 4, ["x-order"] = 2,
                    },
                    ["aspect_ratio"] = new JsonObject
                    {
                        ["type"] = "string", ["title"] = "Aspect Ratio", ["default"] = "1:1",
                        ["enum"] = new JsonArray("1:1", "16:9", "9:16"), ["x-order"] = 3,
                    },
                },
                ["prompt"],
                new JsonObject
                {
                    ["type"] = "array",
                    ["title"] = "Output",
                    ["items"] = new JsonObject { ["type"] = "string", ["format"] = "uri" },
                }),
        });

        core.AddModel(Failing, RunFailingAsync, new EmulatorModelOptions
        {
            Description = "Always fails, after logging, with error E1000 (or the input message).",
            OpenApiSchema = Schema(
                new JsonObject { ["message"] = new JsonObject { ["type"] = "string", ["title"] = "Message", ["x-order"] = 0 } },
                [],
                new JsonObject { ["type"] = "string", ["title"] = "Output" }),
        });

        core.AddModel(HelloWorld, RunHelloWorldAsync, new EmulatorModelOptions
        {
            Description = "A community (non-official) model: returns \"hello \" + text. Run it by version.",
            IsOfficial = false,
            OpenApiSchema = Schema(
                new JsonObject { ["text"] = new JsonObject { ["type"] = "string", ["title"] = "Text", ["x-order"] = 0 } },
                ["text"],
                new JsonObject { ["type"] = "string", ["title"] = "Output" }),
        });
    }

    /// <summary>The demo collections, grouping the demo models the way Replicate's own collections group models.</summary>
    public static void RegisterCollections(EmulatorCore core)
    {
        core.AddCollection(
            "language-models",
            "Language models",
            "Models that understand and generate text.",
            [Llama],
            "Emulated language models that stream their answer token by token.");
        core.AddCollection(
            "text-to-image",
            "Text to image",
            "Models that generate images from text prompts.",
            [Flux],
            null);
    }

    /// <summary>An example for the community demo model, so its model object carries a <c>default_example</c>.</summary>
    public static async Task AddExamplesAsync(EmulatorCore core, CancellationToken cancellationToken)
    {
        using var input = JsonDocument.Parse("""{"text":"world"}""");
        await core.AddExampleAsync(core.FindModel(HelloWorld)!, input.RootElement, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Splits text into tokens that each carry their leading space, so concatenation gives the text back.</summary>
    public static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var start = 0;
        for (var i = 1; i < text.Length; i++)
        {
            if (text[i] == ' ' && text[i - 1] != ' ')
            {
                tokens.Add(text[start..i]);
                start = i;
            }
        }

        if (start < text.Length)
        {
            tokens.Add(text[start..]);
        }

        return tokens;
    }

    private static async Task<object?> RunLlamaAsync(JsonElement input, PredictionContext context, TimeSpan tokenDelay)
    {
        var prompt = input.GetProperty("prompt").GetString() ?? string.Empty;
        var maxTokens = input.TryGetProperty("max_tokens", out var max) && max.ValueKind == JsonValueKind.Number ? max.GetInt32() : 128;
        var tokens = Tokenize("You said: " + prompt + ". " + Reply);
        var count = Math.Min(maxTokens, tokens.Count);

        context.Log("Loading meta-llama-3-8b-instruct (emulated)");
        context.Log("Generating up to " + maxTokens.ToString(CultureInfo.InvariantCulture) + " tokens");
        for (var i = 0; i < count; i++)
        {
            if (i > 0 && tokenDelay > TimeSpan.Zero)
            {
                await context.DelayAsync(tokenDelay).ConfigureAwait(false);
            }

            context.Output(tokens[i]);
        }

        context.Log("Generated " + count.ToString(CultureInfo.InvariantCulture) + " tokens");

        // Language models on Replicate report token usage; chat adapters map it to their usage objects.
        context.SetMetric("input_token_count", Tokenize(prompt).Count);
        context.SetMetric("output_token_count", count);
        return null; // the output is the array of streamed tokens
    }

    private static Task<object?> RunFluxAsync(JsonElement input, PredictionContext context)
    {
        var prompt = input.GetProperty("prompt").GetString() ?? string.Empty;
        var seed = input.TryGetProperty("seed", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt64() : 42;
        var outputs = input.TryGetProperty("num_outputs", out var n) && n.ValueKind == JsonValueKind.Number ? n.GetInt32() : 1;
        var aspect = input.TryGetProperty("aspect_ratio", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : "1:1";
        var (width, height) = aspect switch
        {
            "16:9" => (455, 256),
            "9:16" => (256, 455),
            _ => (256, 256),
        };

        context.Log("Using seed: " + seed.ToString(CultureInfo.InvariantCulture));
        const int Steps = 4;
        for (var step = 1; step <= Steps; step++)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            context.Log(ProgressLine(step, Steps));
        }

        var urls = new List<string>(outputs);
        for (var i = 0; i < outputs; i++)
        {
            var png = DemoImage.DrawPng(prompt, seed + i, width, height);
            urls.Add(context.AddFile("out-" + i.ToString(CultureInfo.InvariantCulture) + ".png", png, "image/png"));
        }

        return Task.FromResult<object?>(urls);
    }

    private static Task<object?> RunFailingAsync(JsonElement input, PredictionContext context)
    {
        context.Log("Loading weights");
        context.Log("Running prediction");
        var message = input.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String
            ? m.GetString()!
            : "E1000: simulated model failure";
        throw new ModelFailedException(message);
    }

    private static Task<object?> RunHelloWorldAsync(JsonElement input, PredictionContext context) =>
        Task.FromResult<object?>("hello " + input.GetProperty("text").GetString());

    /// <summary>A tqdm progress line as diffusion models log it, e.g. <c>  50%|█████     | 2/4 [...]</c>.</summary>
    private static string ProgressLine(int step, int total)
    {
        var percent = step * 100 / total;
        var bar = new StringBuilder(10);
        bar.Append('█', percent / 10); // ten cells, a half cell for the remainder
        if (percent % 10 >= 5)
        {
            bar.Append('▌');
        }

        bar.Append(' ', 10 - bar.Length);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{percent,4}%|{bar}| {step}/{total} [00:00<00:00, 10.00it/s]");
    }

    private static JsonObject Schema(JsonObject inputProperties, string[] required, JsonObject output)
    {
        var inputSchema = new JsonObject { ["type"] = "object", ["title"] = "Input" };
        if (required.Length > 0)
        {
            inputSchema["required"] = new JsonArray([.. required.Select(r => (JsonNode)r)]);
        }

        inputSchema["properties"] = inputProperties;
        return new JsonObject
        {
            ["openapi"] = "3.0.2",
            ["info"] = new JsonObject { ["title"] = "Cog", ["version"] = "0.1.0" },
            ["paths"] = new JsonObject(),
            ["components"] = new JsonObject
            {
                ["schemas"] = new JsonObject
                {
                    ["Input"] = inputSchema,
                    ["Output"] = output,
                },
            },
        };
    }
}
