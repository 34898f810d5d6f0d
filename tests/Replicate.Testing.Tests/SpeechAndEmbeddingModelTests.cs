using System.Buffers.Binary;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Replicate.Testing.Tests;

/// <summary>The demo models behind the speech-to-text, text-to-speech and embedding adapters, over raw HTTP.</summary>
public sealed class SpeechAndEmbeddingModelTests
{
    [Fact]
    public async Task Speech_outputs_a_small_valid_wav_that_whisper_transcribes_back_into_timed_segments()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        var (response, speech) = await TestHttp.PostAsync(
            client, "models/minimax/speech-02-turbo/predictions", """{"input":{"text":"Hello there. How are you?","voice_id":"Calm_Man"}}""", ("Prefer", "wait"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("succeeded", speech.Status());
        var url = speech.GetProperty("output").GetString()!;
        Assert.EndsWith("/speech.wav", url, StringComparison.Ordinal);
        using var anonymous = new HttpClient();
        using var file = await anonymous.GetAsync(new Uri(url));
        Assert.Equal("audio/wav", file.Content.Headers.ContentType?.MediaType);
        var wav = await file.Content.ReadAsByteArrayAsync();
        AssertValidWav(wav);

        var (_, transcription) = await TestHttp.PostAsync(
            client, "models/openai/whisper/predictions", $$$"""{"input":{"audio":"{{{url}}}"}}""", ("Prefer", "wait"));

        Assert.Equal("succeeded", transcription.Status());
        var output = transcription.GetProperty("output");
        Assert.Equal("Hello there. How are you?", output.Str("transcription"));
        Assert.Equal("english", output.Str("detected_language"));
        Assert.Equal(JsonValueKind.Null, output.GetProperty("translation").ValueKind);
        var segments = output.GetProperty("segments").EnumerateArray().ToList();
        Assert.Equal([" Hello there.", " How are you?"], segments.Select(s => s.Str("text")));
        Assert.Equal([0.0, 0.8, 0.8, 2.0], segments.SelectMany(s => new[] { s.GetProperty("start").GetDouble(), s.GetProperty("end").GetDouble() }));
    }

    [Fact]
    public async Task The_streaming_transcription_model_streams_the_words_as_output_events()
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { DemoTokenDelay = TimeSpan.Zero });
        using var client = TestHttp.Client(emulator);
        var audio = "data:text/plain;base64," + Convert.ToBase64String("x"u8);

        var (_, prediction) = await TestHttp.PostAsync(
            client, "models/openai/gpt-4o-transcribe/predictions", $$$"""{"input":{"audio_file":"{{{audio}}}"}}""");
        var done = await TestHttp.WaitForTerminalAsync(client, prediction.Id());

        Assert.NotNull(prediction.GetProperty("urls").Str("stream"));
        var words = done.GetProperty("output").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(["Emulated", " transcription", " of", " 1", " bytes"], words.Take(5));
    }

    [Fact]
    public async Task Embeddings_are_unit_vectors_derived_from_the_text_alone_in_batch_order()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        var (_, batch) = await TestHttp.PostAsync(
            client, "models/replicate/all-mpnet-base-v2/predictions", """{"input":{"text_batch":"[\"cat\",\"dog\",\"cat\"]"}}""", ("Prefer", "wait"));
        var (_, single) = await TestHttp.PostAsync(
            client, "models/replicate/all-mpnet-base-v2/predictions", """{"input":{"text":"dog"}}""", ("Prefer", "wait"));

        var vectors = batch.GetProperty("output").EnumerateArray().Select(Vector).ToList();
        Assert.Equal(3, vectors.Count);
        Assert.All(vectors, v => Assert.Equal(768, v.Length));
        Assert.All(vectors, v => Assert.Equal(1.0, Math.Sqrt(v.Sum(x => (double)x * x)), 4));
        Assert.Equal(vectors[0], vectors[2]);
        Assert.NotEqual(vectors[0], vectors[1]);
        Assert.Equal(vectors[1], Vector(Assert.Single(single.GetProperty("output").EnumerateArray())));

        static float[] Vector(JsonElement item) => [.. item.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle())];
    }

    [Fact]
    public async Task A_text_batch_that_is_not_a_json_list_fails_the_prediction()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        var (_, prediction) = await TestHttp.PostAsync(
            client, "models/replicate/all-mpnet-base-v2/predictions", """{"input":{"text_batch":"cat, dog"}}""", ("Prefer", "wait"));

        Assert.Equal("failed", prediction.Status());
        Assert.StartsWith("text_batch must be a JSON-formatted list of strings", prediction.Str("error"), StringComparison.Ordinal);
    }

    private static void AssertValidWav(byte[] wav)
    {
        Assert.Equal("RIFF", Encoding.ASCII.GetString(wav, 0, 4));
        Assert.Equal(wav.Length - 8, BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(4)));
        Assert.Equal("WAVE", Encoding.ASCII.GetString(wav, 8, 4));
        var position = 12;
        var chunks = new List<string>();
        var dataSize = -1;
        while (position + 8 <= wav.Length)
        {
            var id = Encoding.ASCII.GetString(wav, position, 4);
            var size = BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(position + 4));
            chunks.Add(id);
            if (id == "fmt ")
            {
                Assert.Equal(1, BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(position + 8))); // PCM
                Assert.Equal(1, BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(position + 10))); // mono
                Assert.Equal(16_000, BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(position + 12)));
            }

            if (id == "data")
            {
                dataSize = size;
            }

            position += 8 + size + (size & 1);
        }

        Assert.Equal(wav.Length, position);
        Assert.Equal(["fmt ", "LIST", "data"], chunks);
        Assert.InRange(dataSize, 2, 3 * 16_000 * 2);
        Assert.True(wav.Length < 100_000, "the demo WAV stays tiny");
    }
}
