using Microsoft.Extensions.AI;

namespace Replicate.Extensions.AI;

/// <summary>
/// Turns a conversation and its <see cref="ChatOptions"/> into a Replicate model input. Language models on Replicate
/// share no chat schema: some take a <c>prompt</c> and a <c>system_prompt</c> (<see cref="PromptChatInputMapper"/>),
/// others a <c>messages</c> array (<see cref="MessagesChatInputMapper"/>), and option names vary. Set the input names
/// with the <c>init</c> properties, or derive and override <see cref="MapMessages"/> and <see cref="MapOptions"/>.
/// </summary>
/// <remarks>
/// <para>Options map as follows, each only when set: <see cref="ChatOptions.Temperature"/> → <c>temperature</c>,
/// <see cref="ChatOptions.TopP"/> → <c>top_p</c>, <see cref="ChatOptions.TopK"/> → <c>top_k</c>,
/// <see cref="ChatOptions.MaxOutputTokens"/> → <see cref="MaxTokensInputName"/>, <see cref="ChatOptions.StopSequences"/> →
/// <see cref="StopSequencesInputName"/>, <see cref="ChatOptions.Seed"/> → <c>seed</c>, presence and frequency penalties →
/// <c>presence_penalty</c>/<c>frequency_penalty</c>.</para>
/// <para>Every entry of <see cref="ChatOptions.AdditionalProperties"/> is then copied into the input as it is, replacing a
/// mapped value of the same name; a <see langword="null"/> value removes that input. Tools and response formats are not
/// mapped: Replicate models have no common way to accept them. Only the text of each message is sent.</para>
/// </remarks>
public abstract class ReplicateChatInputMapper
{
    /// <summary>Gets the input that receives <see cref="ChatOptions.MaxOutputTokens"/>: <c>max_tokens</c> (Llama 3 and most
    /// current models); older models call it <c>max_new_tokens</c>. <see langword="null"/> leaves it out.</summary>
    public string? MaxTokensInputName { get; init; } = "max_tokens";

    /// <summary>Gets the input that receives <see cref="ChatOptions.StopSequences"/>, formatted by
    /// <see cref="FormatStopSequences"/>. <see langword="null"/> leaves it out.</summary>
    public string? StopSequencesInputName { get; init; } = "stop_sequences";

    /// <summary>Builds the model input for a conversation.</summary>
    /// <param name="messages">The conversation, oldest first.</param>
    /// <param name="options">The chat options, if any.</param>
    /// <returns>The input: names as the model expects them, values serializable to JSON.</returns>
    /// <exception cref="ArgumentException">The conversation is empty.</exception>
    public virtual IDictionary<string, object?> Map(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var conversation = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        if (conversation.Count == 0)
        {
            throw new ArgumentException("The conversation has no messages; add at least one user message.", nameof(messages));
        }

        var input = new Dictionary<string, object?>(StringComparer.Ordinal);
        MapMessages(conversation, options, input);
        if (options is not null)
        {
            MapOptions(options, input);
            AdapterHelpers.ApplyAdditionalProperties(input, options.AdditionalProperties);
        }

        return input;
    }

    /// <summary>Writes the conversation (and <see cref="ChatOptions.Instructions"/>) into <paramref name="input"/>.</summary>
    /// <param name="messages">The conversation, oldest first; never empty.</param>
    /// <param name="options">The chat options, if any.</param>
    /// <param name="input">The input being built.</param>
    protected abstract void MapMessages(IReadOnlyList<ChatMessage> messages, ChatOptions? options, IDictionary<string, object?> input);

    /// <summary>Writes the sampling options into <paramref name="input"/> (see the class remarks for the names).</summary>
    /// <param name="options">The chat options.</param>
    /// <param name="input">The input being built.</param>
    protected virtual void MapOptions(ChatOptions options, IDictionary<string, object?> input)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(input);
        Set(input, "temperature", options.Temperature);
        Set(input, "top_p", options.TopP);
        Set(input, "top_k", options.TopK);
        Set(input, MaxTokensInputName, options.MaxOutputTokens);
        Set(input, "seed", options.Seed);
        Set(input, "presence_penalty", options.PresencePenalty);
        Set(input, "frequency_penalty", options.FrequencyPenalty);
        if (StopSequencesInputName is { } name && options.StopSequences is { Count: > 0 } stop)
        {
            input[name] = FormatStopSequences(stop);
        }
    }

    /// <summary>
    /// Formats stop sequences for the model: here one comma-separated string, the form Replicate's Llama models take
    /// (<c>"&lt;|eot_id|&gt;,Human:"</c>). Override to send an array.
    /// </summary>
    /// <param name="stopSequences">The stop sequences; not empty.</param>
    /// <returns>The input value.</returns>
    protected virtual object FormatStopSequences(IList<string> stopSequences) => string.Join(',', stopSequences);

    /// <summary>Joins <see cref="ChatOptions.Instructions"/> and the text of every system message, or returns an empty string.</summary>
    /// <param name="messages">The conversation.</param>
    /// <param name="options">The chat options, if any.</param>
    /// <returns>The system text, paragraphs separated by blank lines.</returns>
    protected static string GetSystemText(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        IEnumerable<string?> parts = [options?.Instructions, .. messages.Where(m => m.Role == ChatRole.System).Select(m => m.Text)];
        return string.Join("\n\n", parts.Where(p => !string.IsNullOrWhiteSpace(p)));
    }

    private static void Set<T>(IDictionary<string, object?> input, string? name, T? value)
        where T : struct
    {
        if (name is not null && value is { } v)
        {
            input[name] = v;
        }
    }
}
