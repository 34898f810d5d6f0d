using System.Text;
using System.Text.Json;

namespace Replicate.Extensions.AI;

/// <summary>
/// A speech-to-text model's output read into text and segments. Replicate's transcription models share no output
/// schema; these are the shapes they use: Whisper's object (<c>transcription</c> or <c>translation</c>, <c>segments</c>
/// of <c>{start, end, text}</c>, <c>detected_language</c>), an object with <c>text</c>, a plain string, an array of
/// strings (an iterator's pieces) or an array of segments. Anything else is an error that names what came back.
/// </summary>
internal sealed record Transcript(string Text, IReadOnlyList<ReplicateTranscriptionSegment> Segments, string? DetectedLanguage)
{
    private const string Expected = "a string, an array of strings or of segments ({start, end, text}), or an object with 'transcription', 'text' or 'segments'";

    public static Transcript Parse(JsonElement output, string predictionId)
    {
        switch (output.ValueKind)
        {
            case JsonValueKind.String:
                return new Transcript(output.GetString()!, [], null);
            case JsonValueKind.Array when output.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String):
                return new Transcript(string.Concat(output.EnumerateArray().Select(e => e.GetString())), [], null);
            case JsonValueKind.Array when output.GetArrayLength() > 0 && output.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Object):
            {
                var segments = ReadSegments(output, predictionId, output);
                return new Transcript(JoinSegments(segments), segments, null);
            }

            case JsonValueKind.Object:
            {
                List<ReplicateTranscriptionSegment> segments = [];
                if (output.TryGetProperty("segments", out var list) && list.ValueKind != JsonValueKind.Null)
                {
                    segments = list.ValueKind == JsonValueKind.Array
                        ? ReadSegments(list, predictionId, output)
                        : throw WrongShape(predictionId, "its 'segments' is not an array", output);
                }

                var text = StringProperty(output, "translation") ?? StringProperty(output, "transcription") ?? StringProperty(output, "text");
                if (text is null && segments.Count == 0)
                {
                    throw WrongShape(predictionId, "its object has no 'transcription', 'text' or 'segments'", output);
                }

                return new Transcript(text ?? JoinSegments(segments), segments, StringProperty(output, "detected_language"));
            }

            default:
                throw WrongShape(predictionId, output.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined ? "it is null" : $"it is {Article(output.ValueKind)}", output);
        }
    }

    public static InvalidOperationException WrongShape(string predictionId, string problem, JsonElement output) =>
        new($"Prediction {predictionId} returned no transcription: {problem}; expected {Expected}. Its output was: {AdapterHelpers.Describe(output)}");

    private static List<ReplicateTranscriptionSegment> ReadSegments(JsonElement list, string predictionId, JsonElement output)
    {
        var segments = new List<ReplicateTranscriptionSegment>(list.GetArrayLength());
        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object
                || !item.TryGetProperty("start", out var start) || start.ValueKind != JsonValueKind.Number
                || !item.TryGetProperty("end", out var end) || end.ValueKind != JsonValueKind.Number
                || StringProperty(item, "text") is not { } text)
            {
                throw WrongShape(predictionId, $"segment {index} is not an object with a numeric 'start' and 'end' and a string 'text'", output);
            }

            segments.Add(new ReplicateTranscriptionSegment(TimeSpan.FromSeconds(start.GetDouble()), TimeSpan.FromSeconds(end.GetDouble()), text));
            index++;
        }

        return segments;
    }

    private static string JoinSegments(IReadOnlyList<ReplicateTranscriptionSegment> segments)
    {
        var text = new StringBuilder();
        foreach (var segment in segments)
        {
            text.Append(segment.Text);
        }

        return text.ToString().Trim();
    }

    private static string? StringProperty(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Article(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array of neither strings nor segments",
        _ => kind.ToString(),
    };
}
