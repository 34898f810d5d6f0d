using Microsoft.Extensions.AI;

namespace Replicate.Extensions.AI;

/// <summary>
/// A mapper for models that take an OpenAI-style <c>messages</c> array of <c>{ "role", "content" }</c> objects.
/// <see cref="ChatOptions.Instructions"/> becomes a leading system message; system messages stay in the array.
/// Stop sequences are sent as an array named <c>stop</c>.
/// </summary>
public class MessagesChatInputMapper : ReplicateChatInputMapper
{
    /// <summary>Initializes a mapper with the array-style defaults (<c>messages</c>, <c>stop</c>).</summary>
    public MessagesChatInputMapper()
    {
        StopSequencesInputName = "stop";
    }

    /// <summary>Gets the input that receives the messages array (<c>messages</c>).</summary>
    public string MessagesInputName { get; init; } = "messages";

    /// <inheritdoc />
    protected override void MapMessages(IReadOnlyList<ChatMessage> messages, ChatOptions? options, IDictionary<string, object?> input)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(input);
        var array = new List<IReadOnlyDictionary<string, string>>(messages.Count + 1);
        if (!string.IsNullOrWhiteSpace(options?.Instructions))
        {
            array.Add(Message(ChatRole.System, options.Instructions));
        }

        foreach (var message in messages)
        {
            array.Add(Message(message.Role, message.Text));
        }

        input[MessagesInputName] = array;
    }

    /// <inheritdoc />
    protected override object FormatStopSequences(IList<string> stopSequences) => stopSequences.ToArray();

    private static Dictionary<string, string> Message(ChatRole role, string content) =>
        new(StringComparer.Ordinal) { ["role"] = role.Value, ["content"] = content };
}
