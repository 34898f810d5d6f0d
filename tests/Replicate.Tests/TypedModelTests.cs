using System.Text.Json;
using Replicate.Testing;
using Replicate.Tests.Infrastructure;
using Replicate.Tests.Models;

namespace Replicate.Tests;

/// <summary>Typed models generated from real schema files (see the project file's ReplicateModel items), on the wire.</summary>
public class TypedModelTests
{
    private static string Schema(string name) => Path.Combine(AppContext.BaseDirectory, "model-schemas", name + ".json");

    [Fact]
    public async Task ATypedInput_IsExactlyTheJsonTheSchemaExpects_AndFileOutputsReadBack()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModelFromSchemaFile(Schema("black-forest-labs--flux-schnell"), (input, ctx) => Task.FromResult<object?>(new[]
        {
            ctx.AddFile("out-0.webp", "RIFF0"u8.ToArray(), "image/webp"),
            ctx.AddFile("out-1.webp", "RIFF1"u8.ToArray(), "image/webp"),
        }));

        IReadOnlyList<FileOutput> images = await h.Client.RunAsync(FluxSchnell.Model, new FluxSchnell.Input
        {
            Prompt = "a red fox",
            AspectRatio = FluxSchnell.AspectRatio._16x9,
            NumOutputs = 2,
            GoFast = false,
            Megapixels = FluxSchnell.Megapixels._0_25,
        });

        var create = Assert.Single(h.Requests("POST", "/v1/predictions"));
        Assert.Equal(
            """{"version":"53d5d1586a229bd033e060941789bfb0c177cefd5ef638f34b3099658343a897","input":{"prompt":"a red fox","aspect_ratio":"16:9","num_outputs":2,"go_fast":false,"megapixels":"0.25"}}""",
            create.Body);
        Assert.Equal(2, images.Count);
        Assert.Equal("RIFF1"u8.ToArray(), await images[1].ReadAllBytesAsync());
    }

    [Fact]
    public async Task ABadInput_IsStoppedBeforeAnyRequest_NamingEveryField()
    {
        await using var h = await EmulatorHarness.StartAsync();

        var ex = await Assert.ThrowsAsync<InputValidationException>(() => h.Client.RunAsync(FluxSchnell.Model, new FluxSchnell.Input
        {
            Prompt = null!,
            AspectRatio = new FluxSchnell.AspectRatio("16:10"),
            NumOutputs = 5,
            OutputQuality = -1,
        }));

        Assert.Equal(
            [("prompt", "required"), ("aspect_ratio", "enum"), ("num_outputs", "maximum"), ("output_quality", "minimum")],
            ex.Violations.Select(v => (v.Field, v.Rule)));
        Assert.Contains("aspect_ratio = \"16:10\" is not one of \"1:1\", \"16:9\"", ex.Message, StringComparison.Ordinal);
        Assert.Contains("num_outputs = 5 is above the maximum 4", ex.Message, StringComparison.Ordinal);
        Assert.Equal("input", ex.ParamName);
        Assert.Empty(h.Emulator.Requests);
    }

    [Fact]
    public async Task AnEnumValueTheSchemaDoesNotList_IsRejectedByTheEmulatorToo()
    {
        // The emulator validates with the schema file as the real API does, so a test without the SDK's own check still fails offline.
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModelFromSchemaFile(Schema("black-forest-labs--flux-schnell"), (_, _) => Task.FromResult<object?>(null));

        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Predictions.CreateAsync(
            FluxSchnell.Model.Identifier, new { prompt = "fox", aspect_ratio = "16:10" }));

        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, ex.StatusCode);
        Assert.Contains("aspect_ratio", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AConcatenatedIterator_StreamsTypedTokens_AndRunsToTheWholeText()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModelFromSchemaFile(Schema("meta--meta-llama-3-8b-instruct"), (input, ctx) =>
        {
            foreach (var token in new[] { "Hello", ", ", "world" })
            {
                ctx.Output(token);
            }

            return Task.FromResult<object?>(null);
        });

        var tokens = new List<string>();
        await foreach (var token in h.Client.StreamTextAsync(Llama3.Model, new Llama3.Input { Prompt = "hi", MaxTokens = 16 }))
        {
            tokens.Add(token);
        }

        string text = await h.Client.RunAsync(Llama3.Model, new Llama3.Input { Prompt = "hi" });

        Assert.Equal(["Hello", ", ", "world"], tokens);
        Assert.Equal("Hello, world", text);
        Assert.True(Llama3.Model.StreamsText);
        var input = JsonDocument.Parse(h.Requests("POST", "/v1/predictions")[0].Body).RootElement.GetProperty("input");
        Assert.Equal("""{"prompt":"hi","max_tokens":16}""", input.GetRawText());
    }

    [Fact]
    public async Task AnObjectOutput_ReadsItsFilesTextAndUntypedParts_AndAFileInputIsUploaded()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string? audioUrl = null;
        h.Emulator.AddModelFromSchemaFile(Schema("openai--whisper"), (input, ctx) =>
        {
            audioUrl = input.GetProperty("audio").GetString();
            return Task.FromResult<object?>(new
            {
                transcription = "hello there",
                srt_file = ctx.AddFile("out.srt", "1\n00:00 --> 00:01\nhello"u8.ToArray(), "text/plain"),
                segments = new[] { new { id = 0, text = "hello there" } },
                detected_language = "english",
            });
        });

        Whisper.Output output = await h.Client.RunAsync(Whisper.Model, new Whisper.Input
        {
            Audio = new byte[] { 1, 2, 3 },
            Transcription = Whisper.Transcription.PlainText,
            Temperature = 0.2,
        });

        Assert.Equal("hello there", output.Transcription);
        Assert.Equal("english", output.DetectedLanguage);
        Assert.Equal("1\n00:00 --> 00:01\nhello"u8.ToArray(), await output.SrtFile!.ReadAllBytesAsync());
        Assert.Null(output.TxtFile);
        Assert.Equal("hello there", output.Segments!.Value[0].GetProperty("text").GetString());
        Assert.Single(h.Requests("POST", "/v1/files"));
        Assert.StartsWith(h.Emulator.BaseAddress.ToString(), audioUrl, StringComparison.Ordinal);
        var input = JsonDocument.Parse(h.Requests("POST", "/v1/predictions")[0].Body).RootElement.GetProperty("input");
        Assert.Equal("plain text", input.GetProperty("transcription").GetString());
        Assert.Equal(0.2, input.GetProperty("temperature").GetDouble());
    }

    [Fact]
    public async Task IntegerEnums_AreSentAsNumbers_AndTypedCreateReadsItsOutputLater()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModelFromSchemaFile(Schema("stability-ai--stable-diffusion"), (input, ctx) =>
            Task.FromResult<object?>(new[] { ctx.AddFile("out.png", "PNG"u8.ToArray(), "image/png") }));

        var prediction = await h.Client.Predictions.CreateAsync(StableDiffusion.Model, new StableDiffusion.Input
        {
            Prompt = "a lighthouse",
            Width = StableDiffusion.Width._768,
            Scheduler = StableDiffusion.Scheduler.KEULER,
        });
        prediction = await h.Client.Predictions.WaitAsync(prediction);
        var files = h.Client.Predictions.GetOutput(StableDiffusion.Model, prediction);

        var input = JsonDocument.Parse(h.Requests("POST", "/v1/predictions")[0].Body).RootElement.GetProperty("input");
        Assert.Equal(JsonValueKind.Number, input.GetProperty("width").ValueKind);
        Assert.Equal(768, input.GetProperty("width").GetInt32());
        Assert.Equal("K_EULER", input.GetProperty("scheduler").GetString());
        Assert.Equal("PNG"u8.ToArray(), await Assert.Single(files).ReadAllBytesAsync());
    }

    [Fact]
    public void EnumsTolerateValuesAddedLater_AndCompareByValue()
    {
        var later = new FluxSchnell.AspectRatio("7:3");

        Assert.Equal("7:3", later.ToString());
        Assert.Equal(FluxSchnell.AspectRatio._16x9, new FluxSchnell.AspectRatio("16:9"));
        Assert.DoesNotContain(later, FluxSchnell.AspectRatio.KnownValues);
        Assert.Equal(11, FluxSchnell.AspectRatio.KnownValues.Count);
        Assert.Equal(768, StableDiffusion.Width._768.Value);
    }

    [Fact]
    public async Task WriteSchemaFileAsync_WritesTheModelObjectPinnedToTheAskedVersion()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var registered = h.Emulator.AddModelFromSchemaFile(Schema("black-forest-labs--flux-schnell"), (_, _) => Task.FromResult<object?>(null));
        var path = Path.Combine(Path.GetTempPath(), $"replicate-schema-{Guid.NewGuid():N}.json");
        try
        {
            await h.Client.Models.WriteSchemaFileAsync("black-forest-labs/flux-schnell", path);
            var latest = JsonDocument.Parse(await File.ReadAllTextAsync(path)).RootElement;
            await h.Client.Models.WriteSchemaFileAsync($"black-forest-labs/flux-schnell:{registered.VersionId}", path);
            var pinned = JsonDocument.Parse(await File.ReadAllTextAsync(path)).RootElement;

            Assert.Equal(("black-forest-labs", "flux-schnell"), (latest.GetProperty("owner").GetString(), latest.GetProperty("name").GetString()));
            Assert.Equal(registered.VersionId, latest.GetProperty("latest_version").GetProperty("id").GetString());
            Assert.Equal(registered.VersionId, pinned.GetProperty("latest_version").GetProperty("id").GetString());
            Assert.True(pinned.GetProperty("latest_version").GetProperty("openapi_schema").GetProperty("components").GetProperty("schemas").TryGetProperty("Input", out _));
            Assert.Single(h.Requests("GET", "/v1/models/black-forest-labs/flux-schnell/versions/"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task UntypedInputs_AreCheckedAgainstTheFetchedSchema_WhenAskedTo_WithTheSchemaFetchedOnce()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModelFromSchemaFile(Schema("black-forest-labs--flux-schnell"), (_, ctx) =>
            Task.FromResult<object?>(new[] { ctx.AddFile("out.webp", "RIFF"u8.ToArray(), "image/webp") }));
        var check = new PredictionOptions { ValidateInput = true };

        var ex = await Assert.ThrowsAsync<InputValidationException>(() =>
            h.Client.RunAsync("black-forest-labs/flux-schnell", new { prompt = "fox", num_outputs = 9, aspect_ratio = "16:10" }, check));
        var output = await h.Client.RunAsync("black-forest-labs/flux-schnell", new { prompt = "fox", num_outputs = 1 }, check);
        var created = await h.Client.Predictions.CreateAsync("black-forest-labs/flux-schnell", new { prompt = "fox" }, check);

        Assert.Equal(["aspect_ratio", "num_outputs"], ex.Violations.Select(v => v.Field).Order(StringComparer.Ordinal));
        Assert.Single(output.AsFiles());
        Assert.NotNull(created.Id);
        Assert.Single(h.Requests("GET", "/v1/models/black-forest-labs/flux-schnell"));
        Assert.Equal(2, h.Requests("POST", "/v1/models/black-forest-labs/flux-schnell/predictions").Count);
        await Assert.ThrowsAsync<ArgumentException>(() => h.Client.RunAsync("deployment:acme/app", new { prompt = "x" }, check));
    }
}
