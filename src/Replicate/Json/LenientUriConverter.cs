using System.Text.Json;
using System.Text.Json.Serialization;

namespace Replicate;

/// <summary>
/// Reads the URL fields of responses (<c>format: uri</c> in the spec: a model's <c>github_url</c>, an account's
/// <c>avatar_url</c>, a file's <c>urls.get</c>, ...): a value <see cref="Uri"/> cannot parse reads as
/// <see langword="null"/> instead of failing the whole response around it, as <see cref="PredictionUrls"/> already does.
/// RFC 3986 allows hosts that <see cref="Uri"/> rejects (a reg-name may hold <c>+</c> or <c>,</c>), and a model or a page
/// of them must stay readable whatever its cosmetic links hold. Writes as the default converter does.
/// </summary>
internal sealed class LenientUriConverter : JsonConverter<Uri>
{
    public override Uri? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            // Something the spec does not allow here: there is no URL to read.
            reader.Skip();
            return null;
        }

        // The same parse as System.Text.Json's own Uri converter, so every value it read still reads the same.
        return Uri.TryCreate(reader.GetString(), UriKind.RelativeOrAbsolute, out var uri) ? uri : null;
    }

    public override void Write(Utf8JsonWriter writer, Uri value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.OriginalString);
}
