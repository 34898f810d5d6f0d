using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.AI;

namespace Replicate.Extensions.AI;

/// <summary>
/// Turns text and <see cref="TextToSpeechOptions"/> into a Replicate model input. The defaults fit MiniMax's speech
/// models (<c>minimax/speech-02-turbo</c>): <c>text</c>, <see cref="TextToSpeechOptions.VoiceId"/> → <c>voice_id</c>,
/// <see cref="TextToSpeechOptions.Speed"/> → <c>speed</c>, <see cref="TextToSpeechOptions.Pitch"/> → <c>pitch</c>,
/// <see cref="TextToSpeechOptions.Volume"/> → <c>volume</c>, <see cref="TextToSpeechOptions.Language"/> →
/// <c>language_boost</c> (as given), and <see cref="TextToSpeechOptions.AudioFormat"/> → <c>audio_format</c>
/// (<c>audio/mpeg</c> → <c>mp3</c>, <c>audio/wav</c> → <c>wav</c>, <c>audio/flac</c> → <c>flac</c>; a value without a
/// slash is sent as it is). Set a name to <see langword="null"/> to leave that option out, or derive and override
/// <see cref="Map"/> or <see cref="FormatAudioFormat"/>.
/// </summary>
/// <remarks>
/// Every entry of <see cref="TextToSpeechOptions.AdditionalProperties"/> is copied into the input as it is (e.g.
/// <c>emotion</c>, <c>sample_rate</c>), replacing a mapped value of the same name; a <see langword="null"/> value
/// removes that input.
/// </remarks>
[Experimental("MEAI001")]
public class ReplicateTextToSpeechInputMapper
{
    /// <summary>Gets the input that receives the text (<c>text</c>).</summary>
    public string TextInputName { get; init; } = "text";

    /// <summary>Gets the input that receives <see cref="TextToSpeechOptions.VoiceId"/> (<c>voice_id</c>).</summary>
    public string? VoiceInputName { get; init; } = "voice_id";

    /// <summary>Gets the input that receives <see cref="TextToSpeechOptions.Speed"/> (<c>speed</c>).</summary>
    public string? SpeedInputName { get; init; } = "speed";

    /// <summary>Gets the input that receives <see cref="TextToSpeechOptions.Pitch"/> (<c>pitch</c>).</summary>
    public string? PitchInputName { get; init; } = "pitch";

    /// <summary>Gets the input that receives <see cref="TextToSpeechOptions.Volume"/> (<c>volume</c>).</summary>
    public string? VolumeInputName { get; init; } = "volume";

    /// <summary>Gets the input that receives <see cref="TextToSpeechOptions.Language"/> (<c>language_boost</c>).</summary>
    public string? LanguageInputName { get; init; } = "language_boost";

    /// <summary>Gets the input that receives <see cref="TextToSpeechOptions.AudioFormat"/>, formatted by <see cref="FormatAudioFormat"/> (<c>audio_format</c>).</summary>
    public string? AudioFormatInputName { get; init; } = "audio_format";

    /// <summary>Builds the model input.</summary>
    /// <param name="text">The text to speak.</param>
    /// <param name="options">The options, if any.</param>
    /// <returns>The input.</returns>
    /// <exception cref="ArgumentException">The text is empty, or the audio format has no model value.</exception>
    public virtual IDictionary<string, object?> Map(string text, TextToSpeechOptions? options)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ArgumentException("The text is empty; there is nothing to say.", nameof(text));
        }

        var input = new Dictionary<string, object?>(StringComparer.Ordinal) { [TextInputName] = text };
        if (options is null)
        {
            return input;
        }

        Set(input, VoiceInputName, options.VoiceId);
        Set(input, SpeedInputName, options.Speed);
        Set(input, PitchInputName, options.Pitch);
        Set(input, VolumeInputName, options.Volume);
        Set(input, LanguageInputName, options.Language);
        if (AudioFormatInputName is { } formatName && !string.IsNullOrWhiteSpace(options.AudioFormat))
        {
            input[formatName] = FormatAudioFormat(options.AudioFormat);
        }

        AdapterHelpers.ApplyAdditionalProperties(input, options.AdditionalProperties);
        return input;
    }

    /// <summary>The model's name for an audio format: a media type's usual extension, or a bare value as it is.</summary>
    /// <param name="audioFormat">A media type (<c>audio/mpeg</c>) or a format name (<c>mp3</c>).</param>
    /// <returns>The input value.</returns>
    /// <exception cref="ArgumentException">A media type this mapper does not know.</exception>
    protected virtual object FormatAudioFormat(string audioFormat)
    {
        ArgumentNullException.ThrowIfNull(audioFormat);
        if (!audioFormat.Contains('/', StringComparison.Ordinal))
        {
            return audioFormat.Trim().ToLowerInvariant();
        }

        return audioFormat.Trim().ToLowerInvariant() switch
        {
            "audio/mpeg" or "audio/mp3" => "mp3",
            "audio/wav" or "audio/wave" or "audio/x-wav" or "audio/vnd.wave" => "wav",
            "audio/flac" or "audio/x-flac" => "flac",
            "audio/ogg" or "audio/opus" => "opus",
            "audio/aac" => "aac",
            "audio/pcm" or "audio/l16" => "pcm",
            _ => throw new ArgumentException(
                $"The audio format '{audioFormat}' has no model value here; use audio/mpeg, audio/wav, audio/flac, audio/ogg, audio/aac or audio/pcm, or the model's own name for it (e.g. \"mp3\").",
                nameof(audioFormat)),
        };
    }

    private static void Set(Dictionary<string, object?> input, string? name, object? value)
    {
        if (name is not null && value is not null && value is not string { Length: 0 })
        {
            input[name] = value;
        }
    }
}
