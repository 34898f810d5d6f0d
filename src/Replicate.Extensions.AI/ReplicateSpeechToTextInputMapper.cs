using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.AI;

namespace Replicate.Extensions.AI;

/// <summary>
/// Turns audio and <see cref="SpeechToTextOptions"/> into a Replicate model input. The defaults fit Whisper
/// (<c>openai/whisper</c>): the audio goes to <c>audio</c> (sent as the client's
/// <see cref="ReplicateClientOptions.FileEncodingStrategy"/> says: uploaded through the Files API by default, or inlined
/// as a <c>data:</c> URI), <see cref="SpeechToTextOptions.SpeechLanguage"/> to <c>language</c> as
/// its primary subtag (<c>en-US</c> → <c>en</c>, the ISO 639-1 code Whisper takes), and a
/// <see cref="SpeechToTextOptions.TextLanguage"/> of English, when the speech is in another language, to
/// <c>translate: true</c>. Set the names with the <c>init</c> properties, or derive and override <see cref="Map"/> or
/// <see cref="MapTextLanguage"/>.
/// </summary>
/// <remarks>
/// Every entry of <see cref="SpeechToTextOptions.AdditionalProperties"/> is copied into the input as it is (e.g.
/// <c>temperature</c>, <c>model</c>), replacing a mapped value of the same name; a <see langword="null"/> value removes
/// that input. <see cref="SpeechToTextOptions.SpeechSampleRate"/> is not sent: Replicate's models read the rate from
/// the audio file.
/// </remarks>
[Experimental("MEAI001")]
public class ReplicateSpeechToTextInputMapper
{
    /// <summary>Gets the input that receives the audio (<c>audio</c>; <c>audio_file</c> for some models).</summary>
    public string AudioInputName { get; init; } = "audio";

    /// <summary>Gets the input that receives the speech language (<c>language</c>); <see langword="null"/> leaves it out.</summary>
    public string? LanguageInputName { get; init; } = "language";

    /// <summary>Gets the input that asks for a translation into English (<c>translate</c>); <see langword="null"/> when the model cannot translate.</summary>
    public string? TranslateInputName { get; init; } = "translate";

    /// <summary>Builds the model input.</summary>
    /// <param name="audio">The audio; read when the prediction is created, from its current position. The caller keeps it.</param>
    /// <param name="options">The options, if any.</param>
    /// <returns>The input.</returns>
    /// <exception cref="ArgumentException">The options ask for a translation the model cannot make.</exception>
    public virtual IDictionary<string, object?> Map(Stream audio, SpeechToTextOptions? options)
    {
        ArgumentNullException.ThrowIfNull(audio);
        var input = new Dictionary<string, object?>(StringComparer.Ordinal) { [AudioInputName] = audio };
        if (options is null)
        {
            return input;
        }

        if (LanguageInputName is { } languageName && PrimarySubtag(options.SpeechLanguage) is { } language)
        {
            input[languageName] = language;
        }

        MapTextLanguage(options, input);
        AdapterHelpers.ApplyAdditionalProperties(input, options.AdditionalProperties);
        return input;
    }

    /// <summary>
    /// Asks for a translation when <see cref="SpeechToTextOptions.TextLanguage"/> differs from the speech language:
    /// Whisper translates only into English, so any other target throws.
    /// </summary>
    /// <param name="options">The options.</param>
    /// <param name="input">The input being built.</param>
    /// <exception cref="ArgumentException">The text language is not English, or the model cannot translate.</exception>
    protected virtual void MapTextLanguage(SpeechToTextOptions options, IDictionary<string, object?> input)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(input);
        var target = PrimarySubtag(options.TextLanguage);
        if (target is null || target == PrimarySubtag(options.SpeechLanguage))
        {
            return;
        }

        if (TranslateInputName is null || target != "en")
        {
            throw new ArgumentException(
                $"TextLanguage '{options.TextLanguage}' asks for a translation, and this mapper can only ask the model to translate into English" +
                (TranslateInputName is null ? " (and has no TranslateInputName)." : $" ('{TranslateInputName}'). Leave TextLanguage unset to get the speech's own language."),
                nameof(options));
        }

        input[TranslateInputName] = true;
    }

    /// <summary>The language of a BCP 47 tag, lower case (<c>en-US</c> → <c>en</c>); <see langword="null"/> for none.</summary>
    private static string? PrimarySubtag(string? tag) =>
        string.IsNullOrWhiteSpace(tag) ? null : tag.Trim().Split('-', '_')[0].ToLowerInvariant();
}
