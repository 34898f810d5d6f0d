using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Replicate.Testing.Internal;

/// <summary>
/// The built-in models: a token-streaming text model, an image model that draws real PNGs, a model that fails,
/// and a non-official model that must be run by version; and for the other AI modalities a whisper-like
/// speech-to-text model (transcription and timed segments), a streaming one (text pieces), a text-to-speech model
/// (a small WAV file) and an embedding model (a batch of texts in, one deterministic vector each out). Together they
/// cover the output shapes clients meet.
/// </summary>
internal static class DemoModels
{
    public const string Llama = "meta/meta-llama-3-8b-instruct";
    public const string Flux = "black-forest-labs/flux-schnell";
    public const string Failing = "replicate/failing-model";
    public const string HelloWorld = "replicate/hello-world";
    public const string Whisper = "openai/whisper";
    public const string StreamingTranscribe = "openai/gpt-4o-transcribe";
    public const string Speech = "minimax/speech-02-turbo";
    public const string Embeddings = "replicate/all-mpnet-base-v2";

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
                StreamedText()),
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

        RegisterSpeechAndEmbeddings(core, tokenDelay);
    }

    /// <summary>The speech-to-text, text-to-speech and embedding models, with the input names of the models they stand for.</summary>
    private static void RegisterSpeechAndEmbeddings(EmulatorCore core, TimeSpan tokenDelay)
    {
        core.AddModel(Whisper, RunWhisperAsync, new EmulatorModelOptions
        {
            Description = "Emulated Whisper: transcribes a WAV from the speech demo model back to its text (any other audio to a sentence about its bytes), with timed segments.",
            SupportsStreaming = false,
            OpenApiSchema = Schema(
                new JsonObject
                {
                    ["audio"] = new JsonObject { ["type"] = "string", ["format"] = "uri", ["title"] = "Audio", ["x-order"] = 0 },
                    ["language"] = new JsonObject { ["type"] = "string", ["title"] = "Language", ["default"] = "auto", ["x-order"] = 1 },
                    ["translate"] = new JsonObject { ["type"] = "boolean", ["title"] = "Translate", ["default"] = false, ["x-order"] = 2 },
                    ["temperature"] = new JsonObject { ["type"] = "number", ["title"] = "Temperature", ["default"] = 0, ["x-order"] = 3 },
                },
                ["audio"],
                new JsonObject { ["type"] = "object", ["title"] = "Output" }),
        });

        core.AddModel(StreamingTranscribe, (input, context) => RunStreamingTranscribeAsync(input, context, tokenDelay), new EmulatorModelOptions
        {
            Description = "Emulated streaming transcription: the same words as the Whisper demo, streamed word by word.",
            OpenApiSchema = Schema(
                new JsonObject
                {
                    ["audio_file"] = new JsonObject { ["type"] = "string", ["format"] = "uri", ["title"] = "Audio File", ["x-order"] = 0 },
                    ["language"] = new JsonObject { ["type"] = "string", ["title"] = "Language", ["x-order"] = 1 },
                    ["prompt"] = new JsonObject { ["type"] = "string", ["title"] = "Prompt", ["x-order"] = 2 },
                },
                ["audio_file"],
                StreamedText()),
        });

        core.AddModel(Speech, RunSpeechAsync, new EmulatorModelOptions
        {
            Description = "Emulated text to speech: a small WAV (16 kHz mono) whose tone follows the voice and whose comment holds the text.",
            SupportsStreaming = false,
            OpenApiSchema = Schema(
                new JsonObject
                {
                    ["text"] = new JsonObject { ["type"] = "string", ["title"] = "Text", ["x-order"] = 0 },
                    ["voice_id"] = new JsonObject { ["type"] = "string", ["title"] = "Voice Id", ["default"] = "Wise_Woman", ["x-order"] = 1 },
                    ["speed"] = new JsonObject { ["type"] = "number", ["title"] = "Speed", ["default"] = 1, ["minimum"] = 0.5, ["maximum"] = 2, ["x-order"] = 2 },
                    ["volume"] = new JsonObject { ["type"] = "number", ["title"] = "Volume", ["default"] = 1, ["minimum"] = 0, ["maximum"] = 10, ["x-order"] = 3 },
                    ["pitch"] = new JsonObject { ["type"] = "number", ["title"] = "Pitch", ["default"] = 0, ["minimum"] = -12, ["maximum"] = 12, ["x-order"] = 4 },
                    ["language_boost"] = new JsonObject { ["type"] = "string", ["title"] = "Language Boost", ["x-order"] = 5 },
                    ["audio_format"] = new JsonObject
                    {
                        ["type"] = "string", ["title"] = "Audio Format", ["default"] = "wav", ["enum"] = new JsonArray("wav"), ["x-order"] = 6,
                    },
                },
                ["text"],
                new JsonObject { ["type"] = "string", ["title"] = "Output", ["format"] = "uri" }),
        });

        core.AddModel(Embeddings, RunEmbeddingsAsync, new EmulatorModelOptions
        {
            Description = "Emulated all-mpnet-base-v2: one 768-dimension unit vector per text, derived from the text alone.",
            SupportsStreaming = false,
            OpenApiSchema = Schema(
                new JsonObject
                {
                    ["text"] = new JsonObject { ["type"] = "string", ["title"] = "Text", ["x-order"] = 0 },
                    ["text_batch"] = new JsonObject
                    {
                        ["type"] = "string", ["title"] = "Text Batch", ["description"] = "A JSON-formatted list of strings to embed.", ["x-order"] = 1,
                    },
                },
                [],
                new JsonObject
                {
                    ["type"] = "array",
                    ["title"] = "Output",
                    ["items"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject { ["embedding"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "number" } } },
                    },
                }),
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

    /// <summary>Whisper's output object: the text, its language, timed segments, and a translation when asked for one.</summary>
    private static async Task<object?> RunWhisperAsync(JsonElement input, PredictionContext context)
    {
        var text = await HearAsync(context, input.GetProperty("audio").GetString()!).ConfigureAwait(false);
        var language = input.TryGetProperty("language", out var l) && l.ValueKind == JsonValueKind.String ? l.GetString()! : "auto";
        var translate = input.TryGetProperty("translate", out var t) && t.ValueKind == JsonValueKind.True;
        context.Log("Detected language: " + (language == "auto" ? "english" : language));
        var segments = new JsonArray();
        foreach (var (start, end, sentence) in DemoAudio.Segment(text))
        {
            segments.Add(new JsonObject
            {
                ["id"] = segments.Count,
                ["start"] = start,
                ["end"] = end,
                ["text"] = " " + sentence.TrimStart(),
            });
        }

        return new JsonObject
        {
            ["segments"] = segments,
            ["transcription"] = text,
            ["translation"] = translate ? "[translated to English] " + text : null,
            ["detected_language"] = language == "auto" ? "english" : language,
        };
    }

    /// <summary>A streaming transcription model: the words one output piece each, each carrying its leading space.</summary>
    private static async Task<object?> RunStreamingTranscribeAsync(JsonElement input, PredictionContext context, TimeSpan delay)
    {
        var text = await HearAsync(context, input.GetProperty("audio_file").GetString()!).ConfigureAwait(false);
        var first = true;
        foreach (var word in Tokenize(text))
        {
            if (!first && delay > TimeSpan.Zero)
            {
                await context.DelayAsync(delay).ConfigureAwait(false);
            }

            first = false;
            context.Output(word);
        }

        return null; // the output is the array of streamed pieces
    }

    private static Task<object?> RunSpeechAsync(JsonElement input, PredictionContext context)
    {
        var text = input.GetProperty("text").GetString() ?? string.Empty;
        var voice = input.TryGetProperty("voice_id", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "Wise_Woman";
        var speed = input.TryGetProperty("speed", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetDouble() : 1;
        context.Log("Synthesizing " + text.Length.ToString(CultureInfo.InvariantCulture) + " characters with voice " + voice);
        var wav = DemoAudio.Speak(text, voice, speed);
        return Task.FromResult<object?>(context.AddFile("speech.wav", wav, "audio/wav"));
    }

    /// <summary>all-mpnet-base-v2's output: <c>[{"embedding": [...]}, ...]</c>, one a text, for <c>text</c> or the JSON list in <c>text_batch</c>.</summary>
    private static Task<object?> RunEmbeddingsAsync(JsonElement input, PredictionContext context)
    {
        List<string> texts;
        if (input.TryGetProperty("text_batch", out var batch) && batch.ValueKind == JsonValueKind.String)
        {
            try
            {
                using var list = JsonDocument.Parse(batch.GetString()!);
                texts = [.. list.RootElement.EnumerateArray().Select(e => e.GetString() ?? throw new FormatException("null item"))];
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
            {
                throw new ModelFailedException("text_batch must be a JSON-formatted list of strings: " + ex.Message);
            }
        }
        else if (input.TryGetProperty("text", out var one) && one.ValueKind == JsonValueKind.String)
        {
            texts = [one.GetString()!];
        }
        else
        {
            throw new ModelFailedException("Provide text or text_batch.");
        }

        context.Log("Embedding " + texts.Count.ToString(CultureInfo.InvariantCulture) + " texts");
        var output = new JsonArray();
        foreach (var text in texts)
        {
            output.Add(new JsonObject { ["embedding"] = new JsonArray([.. DemoEmbedding.Embed(text).Select(f => (JsonNode)f)]) });
        }

        return Task.FromResult<object?>(output);
    }

    private static async Task<string> HearAsync(PredictionContext context, string url)
    {
        using var audio = new MemoryStream();
        using (var file = context.OpenInputFile(url))
        {
            await file.CopyToAsync(audio, context.CancellationToken).ConfigureAwait(false);
        }

        context.Log("Transcribing " + audio.Length.ToString(CultureInfo.InvariantCulture) + " bytes of audio");
        return DemoAudio.Hear(audio.ToArray());
    }

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

    /// <summary>The output schema of a model that streams text: an iterator of strings, shown concatenated.</summary>
    private static JsonObject StreamedText() => new()
    {
        ["type"] = "array",
        ["title"] = "Output",
        ["items"] = new JsonObject { ["type"] = "string" },
        ["x-cog-array-type"] = "iterator",
        ["x-cog-array-display"] = "concatenate",
    };

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
