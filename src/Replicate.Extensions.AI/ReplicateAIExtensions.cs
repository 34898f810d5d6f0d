using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.AI;

namespace Replicate.Extensions.AI;

/// <summary>Views a <see cref="ReplicateClient"/> as Microsoft.Extensions.AI abstractions.</summary>
public static class ReplicateAIExtensions
{
    /// <summary>Returns an <see cref="IChatClient"/> that runs <paramref name="modelId"/>.</summary>
    /// <param name="client">The Replicate client; it stays the caller's to dispose.</param>
    /// <param name="modelId">The language model: <c>owner/name</c>, <c>owner/name:version</c> or a version id, e.g. <c>meta/meta-llama-3-8b-instruct</c>.</param>
    /// <param name="inputMapper">How messages and options become the model's input; <see langword="null"/> for
    /// <c>prompt</c>/<c>system_prompt</c> (<see cref="PromptChatInputMapper"/>). Use <see cref="MessagesChatInputMapper"/>
    /// for models that take a <c>messages</c> array.</param>
    /// <returns>The chat client.</returns>
    public static IChatClient AsChatClient(this ReplicateClient client, string modelId, ReplicateChatInputMapper? inputMapper = null) =>
        new ReplicateChatClient(client, modelId, inputMapper);

    /// <summary>Returns an <see cref="IImageGenerator"/> that runs <paramref name="modelId"/>.</summary>
    /// <param name="client">The Replicate client; it stays the caller's to dispose.</param>
    /// <param name="modelId">The image model, e.g. <c>black-forest-labs/flux-schnell</c>.</param>
    /// <param name="inputMapper">How requests become the model's input; <see langword="null"/> for FLUX-style inputs.</param>
    /// <returns>The image generator.</returns>
    [Experimental("MEAI001")]
    public static IImageGenerator AsImageGenerator(this ReplicateClient client, string modelId, ReplicateImageInputMapper? inputMapper = null) =>
        new ReplicateImageGenerator(client, modelId, inputMapper);

    /// <summary>Returns an <see cref="ISpeechToTextClient"/> that runs <paramref name="modelId"/>.</summary>
    /// <param name="client">The Replicate client; it stays the caller's to dispose.</param>
    /// <param name="modelId">The transcription model; by default <see cref="ReplicateSpeechToTextClient.DefaultModelId"/> (<c>openai/whisper</c>).</param>
    /// <param name="inputMapper">How audio and options become the model's input; <see langword="null"/> for Whisper's inputs.</param>
    /// <returns>The speech-to-text client.</returns>
    [Experimental("MEAI001")]
    public static ISpeechToTextClient AsSpeechToTextClient(this ReplicateClient client, string modelId = ReplicateSpeechToTextClient.DefaultModelId, ReplicateSpeechToTextInputMapper? inputMapper = null) =>
        new ReplicateSpeechToTextClient(client, modelId, inputMapper);

    /// <summary>Returns an <see cref="ITextToSpeechClient"/> that runs <paramref name="modelId"/>.</summary>
    /// <param name="client">The Replicate client; it stays the caller's to dispose.</param>
    /// <param name="modelId">The speech model; by default <see cref="ReplicateTextToSpeechClient.DefaultModelId"/> (<c>minimax/speech-02-turbo</c>).</param>
    /// <param name="inputMapper">How text and options become the model's input; <see langword="null"/> for MiniMax's inputs.</param>
    /// <returns>The text-to-speech client.</returns>
    [Experimental("MEAI001")]
    public static ITextToSpeechClient AsTextToSpeechClient(this ReplicateClient client, string modelId = ReplicateTextToSpeechClient.DefaultModelId, ReplicateTextToSpeechInputMapper? inputMapper = null) =>
        new ReplicateTextToSpeechClient(client, modelId, inputMapper);

    /// <summary>Returns an <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> that runs <paramref name="modelId"/>, one prediction a batch.</summary>
    /// <param name="client">The Replicate client; it stays the caller's to dispose.</param>
    /// <param name="modelId">The embedding model; by default <see cref="ReplicateEmbeddingGenerator.DefaultModelId"/> (<c>replicate/all-mpnet-base-v2</c>).</param>
    /// <param name="inputMapper">How a batch and options become the model's input; <see langword="null"/> for all-mpnet-base-v2's <c>text_batch</c>.</param>
    /// <returns>The embedding generator.</returns>
    public static IEmbeddingGenerator<string, Embedding<float>> AsEmbeddingGenerator(this ReplicateClient client, string modelId = ReplicateEmbeddingGenerator.DefaultModelId, ReplicateEmbeddingInputMapper? inputMapper = null) =>
        new ReplicateEmbeddingGenerator(client, modelId, inputMapper);
}
