using Microsoft.Extensions.AI;
using Replicate.Testing;

namespace Replicate.Extensions.AI.Tests;

public class SpeechToTextClientTests
{
    private const string Whisper = "openai/whisper";
    private const string StreamingModel = "openai/gpt-4o-transcribe";

    // Not a WAV the speech demo model wrote, so the emulated Whisper "hears" a sentence about the bytes: two sentences, two segments.
    private static readonly byte[] Audio = [1, 2, 3, 4, 5];

    [Fact]
    public async Task GetText_SendsTheAudioLanguageAndExtraInputs_AndReturnsTheTextAndTimedSegments()
    {
        await using var h = await Harness.StartAsync();
        using var stt = h.Client.AsSpeechToTextClient();

        var response = await stt.GetTextAsync(
            new MemoryStream(Audio),
            new SpeechToTextOptions { SpeechLanguage = "en-US", AdditionalProperties = new() { ["temperature"] = 0.2 } });

        Assert.Equal("/v1/models/openai/whisper/predictions", h.CreateRequest().Path);
        var input = h.SentInput();
        // The audio went up through the Files API (the client's default FileEncodingStrategy), and the input names the upload.
        Assert.Single(h.Emulator.Requests, r => r.Method == "POST" && r.Path == "/v1/files");
        Assert.StartsWith(new Uri(h.Emulator.BaseAddress, "files/").ToString(), input.GetProperty("audio").GetString(), StringComparison.Ordinal);
        Assert.Equal("en", input.GetProperty("language").GetString());
        Assert.Equal(0.2, input.GetProperty("temperature").GetDouble());
        Assert.False(input.TryGetProperty("translate", out _));

        Assert.StartsWith("Emulated transcription of 5 bytes of audio. Its fingerprint is ", response.Text, StringComparison.Ordinal);
        var segments = Assert.IsAssignableFrom<IReadOnlyList<ReplicateTranscriptionSegment>>(response.AdditionalProperties?[ReplicateSpeechToTextClient.SegmentsPropertyName]);
        Assert.Equal(2, segments.Count);
        Assert.Equal(" Emulated transcription of 5 bytes of audio.", segments[0].Text);
        Assert.Equal((TimeSpan.Zero, TimeSpan.FromSeconds(2.8)), (segments[0].Start, segments[0].End));
        Assert.Equal(segments[0].End, segments[1].Start);
        Assert.Equal((TimeSpan.Zero, segments[1].End), (response.StartTime, response.EndTime));
        Assert.Equal("en", response.AdditionalProperties?[ReplicateSpeechToTextClient.DetectedLanguagePropertyName]);
        var prediction = Assert.IsType<Prediction>(response.RawRepresentation);
        Assert.Equal(prediction.Id, response.ResponseId);
        Assert.Equal(Whisper, response.ModelId);
    }

    [Fact]
    public async Task AnEnglishTextLanguage_ForOtherSpeech_AsksWhisperToTranslate_AndReturnsTheTranslation()
    {
        await using var h = await Harness.StartAsync();
        using var stt = h.Client.AsSpeechToTextClient();

        var response = await stt.GetTextAsync(new MemoryStream(Audio), new SpeechToTextOptions { SpeechLanguage = "fr", TextLanguage = "en-GB" });

        Assert.True(h.SentInput().GetProperty("translate").GetBoolean());
        Assert.StartsWith("[translated to English] Emulated transcription", response.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATranslationWhisperCannotMake_ThrowsBeforeAnythingIsSent()
    {
        await using var h = await Harness.StartAsync();
        using var stt = h.Client.AsSpeechToTextClient();

        var ex = await Assert.ThrowsAsync<ArgumentException>(
            () => stt.GetTextAsync(new MemoryStream(Audio), new SpeechToTextOptions { SpeechLanguage = "en", TextLanguage = "de" }));

        Assert.Contains("only ask the model to translate into English", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Emulator.Requests, r => r.Method == "POST");
    }

    [Fact]
    public async Task Streaming_AStreamingModel_YieldsItsTextPiecesAsTheyCome()
    {
        await using var h = await Harness.StartAsync();
        using var stt = h.Client.AsSpeechToTextClient(StreamingModel, new ReplicateSpeechToTextInputMapper { AudioInputName = "audio_file", TranslateInputName = null });

        var updates = new List<SpeechToTextResponseUpdate>();
        await foreach (var update in stt.GetStreamingTextAsync(new MemoryStream(Audio)))
        {
            updates.Add(update);
        }

        Assert.Equal("/v1/models/openai/gpt-4o-transcribe/predictions", h.CreateRequest().Path);
        Assert.StartsWith(new Uri(h.Emulator.BaseAddress, "files/").ToString(), h.SentInput().GetProperty("audio_file").GetString(), StringComparison.Ordinal);
        Assert.Equal(SpeechToTextResponseUpdateKind.SessionOpen, updates[0].Kind);
        Assert.Equal(SpeechToTextResponseUpdateKind.SessionClose, updates[^1].Kind);
        var pieces = updates[1..^1];
        Assert.True(pieces.Count > 5);
        Assert.All(pieces, u => Assert.Equal(SpeechToTextResponseUpdateKind.TextUpdating, u.Kind));
        Assert.Equal(["Emulated", " transcription", " of", " 5"], pieces.Take(4).Select(u => u.Text));
        var id = Assert.Single(updates.Select(u => u.ResponseId).Distinct());
        Assert.EndsWith("/" + id, Assert.Single(h.Emulator.Requests, r => r.Headers.GetValueOrDefault("Accept") == "text/event-stream").Path);
        Assert.Equal(Assert.IsType<Prediction>(updates[^1].RawRepresentation).Id, id);

        var response = updates.ToSpeechToTextResponse();
        Assert.StartsWith("Emulated transcription of 5 bytes of audio. Its fingerprint is ", response.Text, StringComparison.Ordinal);
        Assert.Empty(h.CancelRequests());
    }

    [Fact]
    public async Task Streaming_AModelWithoutStreaming_YieldsItsTimedSegments_AfterItFinishes()
    {
        await using var h = await Harness.StartAsync();
        using var stt = h.Client.AsSpeechToTextClient();

        var updates = new List<SpeechToTextResponseUpdate>();
        await foreach (var update in stt.GetStreamingTextAsync(new MemoryStream(Audio)))
        {
            updates.Add(update);
        }

        Assert.Equal(
            [SpeechToTextResponseUpdateKind.SessionOpen, SpeechToTextResponseUpdateKind.TextUpdated, SpeechToTextResponseUpdateKind.TextUpdated, SpeechToTextResponseUpdateKind.SessionClose],
            updates.Select(u => u.Kind));
        Assert.Equal(" Emulated transcription of 5 bytes of audio.", updates[1].Text);
        Assert.Equal((TimeSpan.Zero, TimeSpan.FromSeconds(2.8)), (updates[1].StartTime, updates[1].EndTime));
        Assert.Equal(updates[1].EndTime, updates[2].StartTime);
        Assert.DoesNotContain(h.Emulator.Requests, r => r.Headers.GetValueOrDefault("Accept") == "text/event-stream");
        Assert.Empty(h.CancelRequests());
    }

    [Fact]
    public async Task Streaming_AWhisperObjectSentOverServerSentEvents_BecomesSegmentUpdates()
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.AddModel("acme/whisper-sse", (_, _) => Task.FromResult<object?>(System.Text.Json.Nodes.JsonNode.Parse(
            """{"transcription":"Hi there.","segments":[{"start":0,"end":0.5,"text":" Hi"},{"start":0.5,"end":1.25,"text":" there."}]}""")));
        using var stt = h.Client.AsSpeechToTextClient("acme/whisper-sse");

        var updates = new List<SpeechToTextResponseUpdate>();
        await foreach (var update in stt.GetStreamingTextAsync(new MemoryStream(Audio)))
        {
            updates.Add(update);
        }

        Assert.Single(h.Emulator.Requests, r => r.Headers.GetValueOrDefault("Accept") == "text/event-stream");
        var segments = updates.Where(u => u.Kind == SpeechToTextResponseUpdateKind.TextUpdated).ToList();
        Assert.Equal([" Hi", " there."], segments.Select(u => u.Text));
        Assert.Equal(TimeSpan.FromSeconds(1.25), segments[1].EndTime);
    }

    [Fact]
    public async Task CancelingGetText_CancelsThePredictionOnTheServer()
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.AddModel("acme/slow-whisper", async (_, ctx) =>
        {
            await ctx.DelayAsync(TimeSpan.FromSeconds(30));
            return "too late";
        });
        using var stt = h.Client.AsSpeechToTextClient("acme/slow-whisper");
        using var cts = new CancellationTokenSource();

        var call = stt.GetTextAsync(new MemoryStream(Audio), cancellationToken: cts.Token);
        await h.WaitForPollingAsync();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await h.AssertCanceledOnServerAsync(await h.WaitForCancelAsync());
    }

    [Fact]
    public async Task CancelingAStream_CancelsThePredictionOnTheServer()
    {
        await using var h = await Harness.StartAsync(tokenDelay: TimeSpan.FromMilliseconds(200));
        using var stt = h.Client.AsSpeechToTextClient(StreamingModel, new ReplicateSpeechToTextInputMapper { AudioInputName = "audio_file" });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        string? responseId = null;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in stt.GetStreamingTextAsync(new MemoryStream(Audio), cancellationToken: cts.Token))
            {
                responseId = update.ResponseId;
                if (update.Kind == SpeechToTextResponseUpdateKind.TextUpdating)
                {
                    cts.Cancel(); // after the first word
                }
            }
        });

        var cancel = await h.WaitForCancelAsync();
        Assert.Equal($"/v1/predictions/{responseId}/cancel", cancel);
        await h.AssertCanceledOnServerAsync(cancel);
    }

    [Fact]
    public async Task AFailingModel_ThrowsPredictionFailed_AndIsNotCanceled()
    {
        await using var h = await Harness.StartAsync();
        using var stt = h.Client.AsSpeechToTextClient("replicate/failing-model");

        var ex = await Assert.ThrowsAsync<PredictionFailedException>(() => stt.GetTextAsync(new MemoryStream(Audio)));
        Assert.Equal("E1000: simulated model failure", ex.Error);

        await Assert.ThrowsAsync<PredictionFailedException>(async () =>
        {
            await foreach (var _ in stt.GetStreamingTextAsync(new MemoryStream(Audio)))
            {
            }
        });
        Assert.Empty(h.CancelRequests());
    }

    [Theory]
    [InlineData("42", "it is a number")]
    [InlineData("""{"confidence":0.9}""", "its object has no 'transcription', 'text' or 'segments'")]
    [InlineData("""{"segments":[{"text":"no times"}]}""", "segment 0 is not an object with a numeric 'start' and 'end'")]
    [InlineData("null", "it is null")]
    public async Task AnOutputThatIsNotATranscription_Throws_NamingTheProblemAndTheOutput(string output, string problem)
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.AddModel("acme/odd", (_, _) => Task.FromResult<object?>(System.Text.Json.Nodes.JsonNode.Parse(output)));
        using var stt = h.Client.AsSpeechToTextClient("acme/odd");

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => stt.GetTextAsync(new MemoryStream(Audio)));

        Assert.Contains("returned no transcription: " + problem, ex.Message, StringComparison.Ordinal);
        Assert.Contains("Its output was: " + output, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetService_ReturnsMetadataTheClientAndTheReplicateClient()
    {
        await using var h = await Harness.StartAsync();
        using var stt = h.Client.AsSpeechToTextClient();

        var metadata = stt.GetService<SpeechToTextClientMetadata>();
        Assert.Equal(("replicate", ReplicateSpeechToTextClient.DefaultModelId, h.Client.BaseAddress), (metadata?.ProviderName, metadata?.DefaultModelId, metadata?.ProviderUri));
        Assert.Same(stt, stt.GetService<ReplicateSpeechToTextClient>());
        Assert.Same(h.Client, stt.GetService<ReplicateClient>());
        Assert.Null(stt.GetService<ReplicateClient>("some key"));
    }

    [Fact]
    public async Task OptionsModelId_RunsThatModelInstead()
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.AddModel("acme/plain", (_, _) => Task.FromResult<object?>("plain text"));
        using var stt = h.Client.AsSpeechToTextClient();

        var response = await stt.GetTextAsync(new MemoryStream(Audio), new SpeechToTextOptions { ModelId = "acme/plain" });

        Assert.Equal("/v1/models/acme/plain/predictions", h.CreateRequest().Path);
        Assert.Equal(("plain text", "acme/plain"), (response.Text, response.ModelId));
        Assert.Empty(Assert.IsAssignableFrom<IReadOnlyList<ReplicateTranscriptionSegment>>(response.AdditionalProperties?[ReplicateSpeechToTextClient.SegmentsPropertyName]));
    }
}
