using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Replicate.Testing.Internal;

/// <summary>
/// The demo speech models' audio: the text-to-speech model writes a small, valid WAV (16 kHz, mono, 16-bit PCM) whose
/// tone and length follow from the text and voice, and keeps the text in the file's standard <c>LIST/INFO</c> comment
/// (<c>ICMT</c>), which players ignore. The speech-to-text models read that comment back, so a round trip through the
/// two returns the words that were spoken; any other audio "transcribes" to a sentence naming its size and hash, the
/// same for the same bytes.
/// </summary>
internal static class DemoAudio
{
    public const int SampleRate = 16_000;

    /// <summary>How long the demo voice takes per character of text: 60 ms, at most 3 s in all, so files stay tiny.</summary>
    private static readonly TimeSpan PerCharacter = TimeSpan.FromMilliseconds(60);

    private static readonly TimeSpan MaxDuration = TimeSpan.FromSeconds(3);

    /// <summary>Writes a WAV file saying <paramref name="text"/> in <paramref name="voice"/> at <paramref name="speed"/>.</summary>
    public static byte[] Speak(string text, string voice, double speed)
    {
        var seconds = Math.Min(MaxDuration.TotalSeconds, Math.Max(1, text.Length) * PerCharacter.TotalSeconds / Math.Clamp(speed, 0.25, 4));
        var samples = (int)(seconds * SampleRate);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(voice), hash);
        var frequency = 180 + (hash[0] % 120); // a voice's pitch, 180-299 Hz
        var comment = Encoding.UTF8.GetBytes(text + "\0");
        var commentPadded = comment.Length + (comment.Length & 1);
        var listSize = 4 + 8 + commentPadded;
        var dataSize = samples * 2;

        using var wav = new MemoryStream(44 + 8 + listSize + dataSize);
        WriteTag(wav, "RIFF");
        WriteInt(wav, 4 + (8 + 16) + (8 + listSize) + (8 + dataSize));
        WriteTag(wav, "WAVE");
        WriteTag(wav, "fmt ");
        WriteInt(wav, 16);
        WriteShort(wav, 1); // PCM
        WriteShort(wav, 1); // mono
        WriteInt(wav, SampleRate);
        WriteInt(wav, SampleRate * 2); // byte rate
        WriteShort(wav, 2); // block align
        WriteShort(wav, 16); // bits per sample
        WriteTag(wav, "LIST");
        WriteInt(wav, listSize);
        WriteTag(wav, "INFO");
        WriteTag(wav, "ICMT");
        WriteInt(wav, comment.Length);
        wav.Write(comment);
        if (commentPadded > comment.Length)
        {
            wav.WriteByte(0);
        }

        WriteTag(wav, "data");
        WriteInt(wav, dataSize);
        Span<byte> sample = stackalloc byte[2];
        for (var i = 0; i < samples; i++)
        {
            var value = (short)(8000 * Math.Sin(2 * Math.PI * frequency * i / SampleRate));
            BinaryPrimitives.WriteInt16LittleEndian(sample, value);
            wav.Write(sample);
        }

        return wav.ToArray();
    }

    /// <summary>What the demo speech-to-text models hear in <paramref name="audio"/>: the WAV's comment, or a sentence about the bytes.</summary>
    public static string Hear(byte[] audio)
    {
        if (TryReadComment(audio) is { Length: > 0 } said)
        {
            return said;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(audio).AsSpan(0, 4));
        return $"Emulated transcription of {audio.Length} bytes of audio. Its fingerprint is {hash}.";
    }

    /// <summary>Splits a transcription into whisper-style segments: one a sentence, timed by its share of the words at 0.4 s a word.</summary>
    public static List<(double Start, double End, string Text)> Segment(string text)
    {
        var segments = new List<(double, double, string)>();
        var start = 0.0;
        var sentenceStart = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] is '.' or '!' or '?' && (i + 1 == text.Length || text[i + 1] == ' '))
            {
                Add(text[sentenceStart..(i + 1)]);
                sentenceStart = i + 1;
            }
        }

        if (sentenceStart < text.Length && !string.IsNullOrWhiteSpace(text[sentenceStart..]))
        {
            Add(text[sentenceStart..]);
        }

        return segments;

        void Add(string sentence)
        {
            var words = sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            var end = Math.Round(start + (0.4 * words), 2);
            segments.Add((start, end, sentence));
            start = end;
        }
    }

    private static string? TryReadComment(byte[] audio)
    {
        var span = audio.AsSpan();
        if (span.Length < 12 || !span[..4].SequenceEqual("RIFF"u8) || !span[8..12].SequenceEqual("WAVE"u8))
        {
            return null;
        }

        var position = 12;
        while (position + 8 <= span.Length)
        {
            var size = BinaryPrimitives.ReadInt32LittleEndian(span[(position + 4)..]);
            if (size < 0 || position + 8 + size > span.Length)
            {
                return null;
            }

            var body = span.Slice(position + 8, size);
            if (span.Slice(position, 4).SequenceEqual("LIST"u8) && body.Length >= 4 && body[..4].SequenceEqual("INFO"u8))
            {
                var sub = 4;
                while (sub + 8 <= body.Length)
                {
                    var subSize = BinaryPrimitives.ReadInt32LittleEndian(body[(sub + 4)..]);
                    if (subSize < 0 || sub + 8 + subSize > body.Length)
                    {
                        return null;
                    }

                    if (body.Slice(sub, 4).SequenceEqual("ICMT"u8))
                    {
                        return Encoding.UTF8.GetString(body.Slice(sub + 8, subSize)).TrimEnd('\0');
                    }

                    sub += 8 + subSize + (subSize & 1);
                }
            }

            position += 8 + size + (size & 1);
        }

        return null;
    }

    private static void WriteTag(Stream stream, string tag) => stream.Write(Encoding.ASCII.GetBytes(tag));

    private static void WriteInt(Stream stream, int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        stream.Write(bytes);
    }

    private static void WriteShort(Stream stream, short value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteInt16LittleEndian(bytes, value);
        stream.Write(bytes);
    }
}
