using System.Text.Json;
using Microsoft.Extensions.AI;
using Replicate.Testing;

namespace Replicate.Extensions.AI.Tests;

public class ChatClientTests
{
    private const string Llama = "meta/meta-llama-3-8b-instruct";

    [Fact]
    public async Task GetResponse_SendsPromptSystemPromptAndOptions_AndReturnsTheJoinedTokens()
    {
        await using var h = await Harness.StartAsync();
        var chat = h.Client.AsChatClient(Llama);

        var response = await chat.GetResponseAsync(
            [new(ChatRole.System, "Be brief."), new(ChatRole.User, "Hi there")],
            new ChatOptions
            {
                Instructions = "Answer in English.",
                Temperature = 0.5f,
                TopP = 0.9f,
                TopK = 40,
                MaxOutputTokens = 4,
                Seed = 7,
                StopSequences = ["<|eot_id|>", "User:"],
                AdditionalProperties = new() { ["min_tokens"] = 1, ["prompt_template"] = "{prompt}" },
            });

        var input = h.SentInput();
        Assert.Equal("Hi there", input.GetProperty("prompt").GetString());
        Assert.Equal("Answer in English.\n\nBe brief.", input.GetProperty("system_prompt").GetString());
        Assert.Equal(0.5, input.GetProperty("temperature").GetDouble(), 3);
        Assert.Equal(0.9, input.GetProperty("top_p").GetDouble(), 3);
        Assert.Equal(40, input.GetProperty("top_k").GetInt32());
        Assert.Equal(4, input.GetProperty("max_tokens").GetInt32());
        Assert.Equal(7, input.GetProperty("seed").GetInt64());
        Assert.Equal("<|eot_id|>,User:", input.GetProperty("stop_sequences").GetString());
        Assert.Equal(1, input.GetProperty("min_tokens").GetInt32());
        Assert.Equal("{prompt}", input.GetProperty("prompt_template").GetString());
        Assert.False(input.TryGetProperty("presence_penalty", out _), "options that are not set are not sent");

        // The demo model echoes the prompt; max_tokens = 4 cuts it after four tokens.
        Assert.Equal("You said: Hi there.", response.Text);
        Assert.Equal(ChatRole.Assistant, Assert.Single(response.Messages).Role);
        Assert.Equal(Llama, response.ModelId);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        var prediction = Assert.IsType<Prediction>(response.RawRepresentation);
        Assert.Equal(prediction.Id, response.ResponseId);
        Assert.NotNull(response.CreatedAt);
    }

    [Fact]
    public async Task GetResponse_RendersAConversationAsATranscript()
    {
        await using var h = await Harness.StartAsync();
        var chat = h.Client.AsChatClient(Llama);

        await chat.GetResponseAsync(
            [new(ChatRole.User, "Name a colour."), new(ChatRole.Assistant, "Blue."), new(ChatRole.User, "Another one?")],
            new ChatOptions { MaxOutputTokens = 1 });

        var input = h.SentInput();
        Assert.Equal("User: Name a colour.\n\nAssistant: Blue.\n\nUser: Another one?\n\nAssistant:", input.GetProperty("prompt").GetString());
        Assert.False(input.TryGetProperty("system_prompt", out _));
    }

    [Fact]
    public async Task InputNames_AreConfigurable_AndANullAdditionalPropertyRemovesAnInput()
    {
        await using var h = await Harness.StartAsync();
        var mapper = new PromptChatInputMapper { MaxTokensInputName = "max_new_tokens", SystemPromptInputName = null };
        var chat = h.Client.AsChatClient(Llama, mapper);

        await chat.GetResponseAsync(
            [new(ChatRole.System, "Be brief."), new(ChatRole.User, "Hi")],
            new ChatOptions { MaxOutputTokens = 3, Temperature = 1, AdditionalProperties = new() { ["temperature"] = null } });

        var input = h.SentInput();
        Assert.Equal("Be brief.\n\nHi", input.GetProperty("prompt").GetString());
        Assert.Equal(3, input.GetProperty("max_new_tokens").GetInt32());
        Assert.False(input.TryGetProperty("max_tokens", out _));
        Assert.False(input.TryGetProperty("system_prompt", out _));
        Assert.False(input.TryGetProperty("temperature", out _));
    }

    [Fact]
    public async Task MessagesMapper_SendsAMessagesArray()
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.AddModel("acme/chat", (input, _) =>
        {
            var last = input.GetProperty("messages").EnumerateArray().Last();
            return Task.FromResult<object?>($"{last.GetProperty("role").GetString()} said {last.GetProperty("content").GetString()}");
        });
        var chat = h.Client.AsChatClient("acme/chat", new MessagesChatInputMapper());

        var response = await chat.GetResponseAsync(
            [new(ChatRole.System, "Be brief."), new(ChatRole.User, "Hello")],
            new ChatOptions { Instructions = "Be kind.", StopSequences = ["\n\n"], MaxOutputTokens = 10 });

        Assert.Equal("user said Hello", response.Text);
        var input = h.SentInput();
        Assert.Equal(
            """[{"role":"system","content":"Be kind."},{"role":"system","content":"Be brief."},{"role":"user","content":"Hello"}]""",
            input.GetProperty("messages").GetRawText());
        Assert.Equal("""["\n\n"]""", input.GetProperty("stop").GetRawText());
        Assert.Equal(10, input.GetProperty("max_tokens").GetInt32());
        Assert.False(input.TryGetProperty("prompt", out _));
    }

    [Fact]
    public async Task ChatOptionsModelId_OverridesTheClientsModel()
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.AddModel("acme/other", (input, _) => Task.FromResult<object?>("other: " + input.GetProperty("prompt").GetString()));
        var chat = h.Client.AsChatClient(Llama);

        var response = await chat.GetResponseAsync([new(ChatRole.User, "x")], new ChatOptions { ModelId = "acme/other" });

        Assert.Equal("other: x", response.Text);
        Assert.Equal("acme/other", response.ModelId);
        Assert.Single(h.Emulator.Requests, r => r.Method == "POST" && r.Path == "/v1/models/acme/other/predictions");
    }

    [Fact]
    public async Task Usage_ComesFromThePredictionsTokenMetrics()
    {
        await using var h = await Harness.StartAsync(metrics: (12, 34));
        var chat = h.Client.AsChatClient(Llama);

        var response = await chat.GetResponseAsync("Hi");

        Assert.NotNull(response.Usage);
        Assert.Equal(12, response.Usage.InputTokenCount);
        Assert.Equal(34, response.Usage.OutputTokenCount);
        Assert.Equal(46, response.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task Usage_IsNull_WhenTheModelReportsNoTokenCounts()
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.AddModel("acme/no-usage", (_, ctx) =>
        {
            ctx.Output("Hello");
            return Task.FromResult<object?>(null);
        });

        var response = await h.Client.AsChatClient("acme/no-usage").GetResponseAsync("Hi");

        Assert.Equal("Hello", response.Text);
        Assert.Null(response.Usage);
    }

    [Fact]
    public async Task Usage_OfTheDemoLanguageModel_ComesFromTheEmulatorsTokenCounts()
    {
        await using var h = await Harness.StartAsync();

        var response = await h.Client.AsChatClient(Llama).GetResponseAsync("Hi");

        Assert.NotNull(response.Usage);
        Assert.True(response.Usage.InputTokenCount > 0);
        Assert.True(response.Usage.OutputTokenCount > 0);
        Assert.Equal(response.Usage.InputTokenCount + response.Usage.OutputTokenCount, response.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task Streaming_YieldsEachTokenAsItArrives()
    {
        await using var h = await Harness.StartAsync(metrics: (5, 2));
        var secondToken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Emulator.AddModel("acme/gated", async (_, ctx) =>
        {
            ctx.Output("Hello");
            // The second token is only produced once the test has seen the first: proof that nothing is buffered.
            await secondToken.Task.WaitAsync(TimeSpan.FromSeconds(10), ctx.CancellationToken);
            ctx.Output(" world");
            return null;
        });
        var chat = h.Client.AsChatClient("acme/gated");

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in chat.GetStreamingResponseAsync("Hi").WithCancellation(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token))
        {
            updates.Add(update);
            if (update.Text == "Hello")
            {
                secondToken.SetResult();
            }
        }

        Assert.Equal(["Hello", " world", ""], updates.Select(u => u.Text));
        Assert.All(updates, u => Assert.Equal(ChatRole.Assistant, u.Role));
        var predictionId = Assert.Single(updates.Select(u => u.ResponseId).Distinct());
        Assert.EndsWith("/" + predictionId, Assert.Single(h.Emulator.Requests, r => r.Headers.GetValueOrDefault("Accept") == "text/event-stream").Path);

        var last = updates[^1];
        Assert.Equal(ChatFinishReason.Stop, last.FinishReason);
        var usage = Assert.IsType<UsageContent>(Assert.Single(last.Contents)).Details;
        Assert.Equal(5, usage.InputTokenCount);
        Assert.Equal(2, usage.OutputTokenCount);

        var response = updates.ToChatResponse();
        Assert.Equal("Hello world", response.Text);
        Assert.Equal(7, response.Usage?.TotalTokenCount);
        Assert.Empty(h.CancelRequests());
    }

    [Fact]
    public async Task Streaming_AModelWithoutServerSentEvents_IsPolledForItsGrowingOutput()
    {
        await using var h = await Harness.StartAsync();
        var secondPiece = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Emulator.AddModel(
            "acme/no-sse",
            async (_, ctx) =>
            {
                ctx.Output("Polled");
                await secondPiece.Task.WaitAsync(TimeSpan.FromSeconds(10), ctx.CancellationToken);
                ctx.Output(" pieces");
                return null;
            },
            o => o.SupportsStreaming = false);
        var chat = h.Client.AsChatClient("acme/no-sse");

        var texts = new List<string>();
        await foreach (var update in chat.GetStreamingResponseAsync("Hi"))
        {
            texts.Add(update.Text);
            if (update.Text == "Polled")
            {
                secondPiece.SetResult();
            }
        }

        Assert.Equal(["Polled", " pieces", ""], texts);
        Assert.DoesNotContain(h.Emulator.Requests, r => r.Headers.GetValueOrDefault("Accept") == "text/event-stream");
    }

    [Fact]
    public async Task Streaming_SendsTheMappedInput_AndMatchesTheNonStreamingText()
    {
        await using var h = await Harness.StartAsync();
        var chat = h.Client.AsChatClient(Llama);
        var options = new ChatOptions { MaxOutputTokens = 6 };

        var streamed = await chat.GetStreamingResponseAsync("Stream me", options).ToChatResponseAsync();

        var input = h.SentInput();
        Assert.Equal("Stream me", input.GetProperty("prompt").GetString());
        Assert.Equal(6, input.GetProperty("max_tokens").GetInt32());
        Assert.Equal((await chat.GetResponseAsync("Stream me", options)).Text, streamed.Text);
        Assert.Equal("You said: Stream me. I'm a", streamed.Text);
    }

    [Fact]
    public async Task AFailingModel_Throws_WithTheModelsError()
    {
        await using var h = await Harness.StartAsync();
        var chat = h.Client.AsChatClient("replicate/failing-model");

        var ex = await Assert.ThrowsAsync<PredictionFailedException>(() => chat.GetResponseAsync("Hi"));
        Assert.Equal("E1000: simulated model failure", ex.Error);

        var streamed = await Assert.ThrowsAsync<PredictionFailedException>(async () =>
        {
            await foreach (var _ in chat.GetStreamingResponseAsync("Hi"))
            {
            }
        });
        Assert.Contains("E1000: simulated model failure", streamed.Message, StringComparison.Ordinal);
        Assert.Empty(h.CancelRequests()); // a failed prediction is over; there is nothing to cancel
    }

    [Fact]
    public async Task CancelingGetResponse_CancelsThePrediction()
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.AddModel("acme/slow", async (_, ctx) =>
        {
            await ctx.DelayAsync(TimeSpan.FromSeconds(30));
            return "too late";
        });
        var chat = h.Client.AsChatClient("acme/slow");
        using var cts = new CancellationTokenSource();

        var call = chat.GetResponseAsync("Hi", cancellationToken: cts.Token);
        await h.WaitForPollingAsync();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        var cancel = await h.WaitForCancelAsync();
        Assert.Matches("^/v1/predictions/[^/]+/cancel$", cancel);
    }

    [Fact]
    public async Task CancelingAStream_CancelsThePrediction()
    {
        await using var h = await Harness.StartAsync(tokenDelay: TimeSpan.FromMilliseconds(200));
        var chat = h.Client.AsChatClient(Llama);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        string? responseId = null;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in chat.GetStreamingResponseAsync("Hi", cancellationToken: cts.Token))
            {
                responseId = update.ResponseId;
                cts.Cancel(); // after the first token
            }
        });

        Assert.Equal($"/v1/predictions/{responseId}/cancel", await h.WaitForCancelAsync());
    }

    [Fact]
    public async Task BreakingOutOfAStream_CancelsThePrediction()
    {
        await using var h = await Harness.StartAsync(tokenDelay: TimeSpan.FromMilliseconds(200));
        var chat = h.Client.AsChatClient(Llama);

        string? responseId = null;
        await foreach (var update in chat.GetStreamingResponseAsync("Hi"))
        {
            responseId = update.ResponseId;
            break;
        }

        Assert.Equal($"/v1/predictions/{responseId}/cancel", await h.WaitForCancelAsync());
    }

    [Fact]
    public async Task GetService_ReturnsMetadataTheReplicateClientAndItself()
    {
        await using var h = await Harness.StartAsync();
        using var chat = h.Client.AsChatClient(Llama);

        var metadata = chat.GetService<ChatClientMetadata>();
        Assert.NotNull(metadata);
        Assert.Equal("replicate", metadata.ProviderName);
        Assert.Equal(Llama, metadata.DefaultModelId);
        Assert.Equal(h.Emulator.BaseAddress, metadata.ProviderUri);
        Assert.Same(h.Client, chat.GetService<ReplicateClient>());
        Assert.Same(chat, chat.GetService<IChatClient>());
        Assert.IsType<PromptChatInputMapper>(chat.GetService<ReplicateChatClient>()?.InputMapper);
        Assert.Null(chat.GetService<ReplicateClient>("key"));
    }

    [Fact]
    public async Task InvalidModelIds_AndEmptyConversations_AreRejectedBeforeAnythingIsSent()
    {
        using var client = new ReplicateClient(new ReplicateClientOptions { ApiToken = "r8_test", BaseAddress = new Uri("http://127.0.0.1:9/v1/") });

        Assert.ThrowsAny<FormatException>(() => client.AsChatClient("not a model"));
        var chat = client.AsChatClient(Llama);
        await Assert.ThrowsAsync<ArgumentException>(() => chat.GetResponseAsync(Array.Empty<ChatMessage>()));
    }
}
