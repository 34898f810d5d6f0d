using System.Text;
using Microsoft.Extensions.AI;

namespace Replicate.Extensions.AI;

/// <summary>
/// The default mapper, for models that take a <c>prompt</c> and a <c>system_prompt</c> (Replicate's Llama, Mistral and
/// most other language models): system messages and <see cref="ChatOptions.Instructions"/> go to
/// <see cref="SystemPromptInputName"/>, the rest of the conversation to <see cref="PromptInputName"/>.
/// </summary>
/// <remarks>
/// A single user message is sent as the prompt unchanged, so a one-shot question reaches the model exactly as written.
/// A longer conversation is rendered as a transcript (<c>User: ...</c>, <c>Assistant: ...</c>) ending with an open
/// <c>Assistant:</c> turn; the model's own chat template wraps that. Override <see cref="RenderPrompt"/> to apply a
/// model-specific template instead.
/// </remarks>
public class PromptChatInputMapper : ReplicateChatInputMapper
{
    /// <summary>Gets the input that receives the conversation (<c>prompt</c>).</summary>
    public string PromptInputName { get; init; } = "prompt";

    /// <summary>
    /// Gets the input that receives the system text (<c>system_prompt</c>). <see langword="null"/> puts the system text
    /// at the top of the prompt instead, for models without such an input.
    /// </summary>
    public string? SystemPromptInputName { get; init; } = "system_prompt";

    /// <inheritdoc />
    protected override void MapMessages(IReadOnlyList<ChatMessage> messages, ChatOptions? options, IDictionary<string, object?> input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var system = GetSystemText(messages, options);
        var prompt = RenderPrompt([.. messages.Where(m => m.Role != ChatRole.System)]);
        if (system.Length > 0)
        {
            if (SystemPromptInputName is { } name)
            {
                input[name] = system;
            }
            else
            {
                prompt = system + "\n\n" + prompt;
            }
        }

        input[PromptInputName] = prompt;
    }

    /// <summary>Renders the conversation without its system messages as one prompt (see the class remarks).</summary>
    /// <param name="conversation">User, assistant and tool messages, oldest first; may be empty when there are only system messages.</param>
    /// <returns>The prompt.</returns>
    protected virtual string RenderPrompt(IReadOnlyList<ChatMessage> conversation)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        if (conversation.Count == 1 && conversation[0].Role == ChatRole.User)
        {
            return conversation[0].Text;
        }

        var prompt = new StringBuilder();
        foreach (var message in conversation)
        {
            prompt.Append(RoleLabel(message.Role)).Append(": ").Append(message.Text).Append("\n\n");
        }

        return prompt.Append(RoleLabel(ChatRole.Assistant)).Append(':').ToString();
    }

    /// <summary>Returns the transcript label of a role: <c>User</c>, <c>Assistant</c>, or the role's name capitalized.</summary>
    /// <param name="role">The role.</param>
    /// <returns>The label.</returns>
    protected virtual string RoleLabel(ChatRole role) =>
        role.Value.Length == 0 ? "User" : string.Concat(role.Value[..1].ToUpperInvariant(), role.Value.AsSpan(1));
}
