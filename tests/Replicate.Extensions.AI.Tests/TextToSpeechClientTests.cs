using Microsoft.Extensions.AI;
using Replicate.Testing;

namespace Replicate.Extensions.AI.Tests;

public class TextToSpeechClientTests
{
    private const string Speech = "minimax/speech-02-turbo";

    [Fact]
    public async Task GetAudio_MapsTheTextAndOptions_AndReturnsTheWavBytes()
    {
        await using var h = await Harness.StartAsync();
        using var tts = h.Client.AsTextToSpeechClient();

        var response = await tts.GetAudioAsync(
            "Hello there.",
            new TextToSpeechOptions { VoiceId = "Calm_Man", Speed = 1.5f, Pitch = 2, Volume = 3, Language = "English", AudioFormat = "audio/wav", AdditionalProperties = new() { ["emotion"] = "happy" } });

        Assert.Equal("/v1/models/minimax/speech-02-turbo/predictions", h.CreateRequest().Path);
        var input = h.SentInput();
        Assert.Equal("Hello there.", input.GetProperty("text").GetString());
        Assert.Equal("Calm_Man", input.GetProperty("voice_id").GetString());
        Assert.Equal(1.5, input.GetProperty("speed").GetDouble());
        Assert.Equal(2, input.GetProperty("pitch").GetDouble());
        Assert.Equal(3, input.GetProperty("volume").GetDouble());
        Assert.Equal("English", input.GetProperty("language_boost").GetString());
        Assert.Equal("wav", input.GetProperty("audio_format").GetString());
        Assert.Equal("happy", input.GetProperty("emotion").GetString());

        var audio = Assert.IsType<DataContent>(Assert.Single(response.Contents));
        Assert.Equal("audio/wav", audio.MediaType);
        Assert.Equal("RIFF"u8.ToArray(), audio.Data[..4].ToArray());
        Assert.Equal("WAVE"u8.ToArray(), audio.Data[8..12].ToArray());
        var prediction = Assert.IsType<Prediction>(response.RawRepresentation);
        Assert.Equal((prediction.Id, Speech), (response.ResponseId, response.ModelId));
    }

    [Fact]
    public async Task TheSpokenAudio_TranscribesBackToTheText_ThroughTheSpeechToTextClient()
    {
        await using var h = await Harness.StartAsync();
        using var tts = h.Client.AsTextToSpeechClient();
        using var stt = h.Client.AsSpeechToTextClient();

        var speech = await tts.GetAudioAsync("Round trips work. Offline too!");
        var text = await stt.GetTextAsync(Assert.IsType<DataContent>(Assert.Single(speech.Contents)));

        Assert.Equal("Round trips work. Offline too!", text.Text);
        Assert.Equal(TimeSpan.FromSeconds(2), text.EndTime); // five words at 0.4 s
    }

    [Fact]
    public async Task Streaming_YieldsTheFinishedFileAsUpdates()
    {
        await using var h = await Harness.StartAsync();
        using var tts = h.Client.AsTextToSpeechClient();

        var updates = new List<TextToSpeechResponseUpdate>();
        await foreach (var update in tts.GetStreamingAudioAsync("Streamed."))
        {
            updates.Add(update);
        }

        var response = updates.ToTextToSpeechResponse();
        var audio = Assert.IsType<DataContent>(Assert.Single(response.Contents));
        Assert.Equal("audio/wav", audio.MediaType);
        Assert.Single(updates.Select(u => u.ResponseId).Distinct());
        Assert.Equal(Assert.IsType<Prediction>(updates[0].RawRepresentation).Id, updates[0].ResponseId);
    }

    [Fact]
    public async Task CancelingGetAudio_CancelsThePredictionOnTheServer()
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.AddModel("acme/slow-voice", async (_, ctx) =>
        {
            await ctx.DelayAsync(TimeSpan.FromSeconds(30));
            return "too late";
        });
        using var tts = h.Client.AsTextToSpeechClient("acme/slow-voice");
        using var cts = new CancellationTokenSource();

        var call = tts.GetAudioAsync("Hi", cancellationToken: cts.Token);
        await h.WaitForPollingAsync();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await h.AssertCanceledOnServerAsync(await h.WaitForCancelAsync());
    }

    [Fact]
    public async Task AFailingModel_Throws()
    {
        await using var h = await Harness.StartAsync();

        var ex = await Assert.ThrowsAsync<PredictionFailedException>(() => h.Client.AsTextToSpeechClient("replicate/failing-model").GetAudioAsync("x"));

        Assert.Equal("E1000: simulated model failure", ex.Error);
    }

    [Theory]
    [InlineData("\"just text\"", "\"just text\"")]
    [InlineData("42", "42")]
    [InlineData("{\"audio\":null}", "{\"audio\":null}")]
    public async Task AnOutputWithoutAnAudioFile_Throws_ShowingTheOutput(string output, string shown)
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.AddModel("acme/odd", (_, _) => Task.FromResult<object?>(System.Text.Json.Nodes.JsonNode.Parse(output)));

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => h.Client.AsTextToSpeechClient("acme/odd").GetAudioAsync("x"));

        Assert.Contains("returned no audio file; its output was: " + shown, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAudioUrlOnAPrivateAddress_IsNotDownloaded()
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.AddModel("acme/evil-voice", (_, _) => Task.FromResult<object?>("https://10.1.2.3/speech.mp3"));

        var ex = await Assert.ThrowsAsync<ReplicateException>(() => h.Client.AsTextToSpeechClient("acme/evil-voice").GetAudioAsync("x"));

        Assert.Contains("private, link-local or reserved", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ReplicateClient.RunAsync", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyTextOrAnUnknownAudioFormat_ThrowsBeforeAnythingIsSent()
    {
        await using var h = await Harness.StartAsync();
        using var tts = h.Client.AsTextToSpeechClient();

        await Assert.ThrowsAsync<ArgumentException>(() => tts.GetAudioAsync("  "));
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => tts.GetAudioAsync("x", new TextToSpeechOptions { AudioFormat = "audio/x-unknown" }));

        Assert.Contains("audio/x-unknown", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Emulator.Requests, r => r.Method == "POST");
    }

    [Fact]
    public void AudioFormats_MapToTheModelsNames()
    {
        var mapper = new ReplicateTextToSpeechInputMapper();

        Assert.Equal("mp3", mapper.Map("x", new() { AudioFormat = "audio/mpeg" })["audio_format"]);
        Assert.Equal("flac", mapper.Map("x", new() { AudioFormat = "audio/flac" })["audio_format"]);
        Assert.Equal("pcm", mapper.Map("x", new() { AudioFormat = "PCM" })["audio_format"]);
        Assert.False(new ReplicateTextToSpeechInputMapper { AudioFormatInputName = null }.Map("x", new() { AudioFormat = "audio/mpeg" }).ContainsKey("audio_format"));
    }

    [Fact]
    public async Task GetService_ReturnsMetadataTheClientAndTheReplicateClient()
    {
        await using var h = await Harness.StartAsync();
        using var tts = h.Client.AsTextToSpeechClient();

        var metadata = tts.GetService<TextToSpeechClientMetadata>();
        Assert.Equal(("replicate", Speech, h.Client.BaseAddress), (metadata?.ProviderName, metadata?.DefaultModelId, metadata?.ProviderUri));
        Assert.Same(tts, tts.GetService<ReplicateTextToSpeechClient>());
        Assert.Same(h.Client, tts.GetService<ReplicateClient>());
    }
}
