using System.Text.Json;

namespace Replicate;

/// <summary>The <c>webhook</c> and <c>webhook_events_filter</c> fields that prediction and training requests share.</summary>
internal static class WebhookRequestFields
{
    /// <summary>Writes the fields that are set; unset ones are left out, never sent as <c>null</c>.</summary>
    public static void Write(Utf8JsonWriter writer, Uri? webhook, IReadOnlyList<WebhookEventType>? filter)
    {
        if (webhook is not null)
        {
            writer.WriteString("webhook", webhook.AbsoluteUri);
        }

        if (filter is { Count: > 0 })
        {
            writer.WriteStartArray("webhook_events_filter");
            foreach (var eventType in filter)
            {
                writer.WriteStringValue(eventType.Value);
            }

            writer.WriteEndArray();
        }
    }
}
