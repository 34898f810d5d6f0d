using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace Replicate.Generators;

/// <summary>
/// Turns schema names into C# names, one pure function each. The wire name is always kept beside the C# name
/// (<c>JsonPropertyName</c>, the enum's value), so the rules only have to be readable and collision-free.
/// </summary>
internal static class Naming
{
    /// <summary>The longest name the generator makes: the compiler refuses identifiers past 512 characters (CS0645).</summary>
    public const int MaxLength = 128;

    /// <summary>
    /// PascalCase of the words in <paramref name="name"/>: <c>num_inference_steps</c> → <c>NumInferenceSteps</c>,
    /// <c>flux-schnell</c> → <c>FluxSchnell</c>, <c>plain text</c> → <c>PlainText</c>, <c>LR</c> → <c>LR</c>. Letters and
    /// digits of any script are kept (<c>中文</c> stays <c>中文</c>), as C# allows them. A result that cannot start an
    /// identifier gets a leading <c>_</c> (<c>16:9</c> → <c>_16x9</c>, <c>0.25</c> → <c>_0_25</c>); a result is never a
    /// keyword, since it starts with a capital; an empty result becomes <c>Value</c>; a long one is cut at
    /// <see cref="MaxLength"/> characters.
    /// </summary>
    public static string Pascal(string name)
    {
        var builder = new StringBuilder(name.Length);
        var upperNext = true;
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (IsWordCharacter(c))
            {
                builder.Append(upperNext ? char.ToUpperInvariant(c) : c);
                upperNext = false;
                continue;
            }

            // A leading minus sign is a word: -1 is Minus1, not 1 (which an enum of -1 and 1 would have twice).
            if (i == 0 && c == '-' && name.Length > 1 && char.IsDigit(name[1]))
            {
                builder.Append("Minus");
                continue;
            }

            // Between two digits a separator still matters: 16:9 is not 169, and 0.25 is not 025.
            var betweenDigits = builder.Length > 0 && char.IsDigit(builder[builder.Length - 1]) && i + 1 < name.Length && char.IsDigit(name[i + 1]);
            if (betweenDigits)
            {
                builder.Append(c is ':' or 'x' or 'X' ? 'x' : '_');
            }

            upperNext = true;
        }

        if (builder.Length == 0)
        {
            return "Value";
        }

        if (!SyntaxFacts.IsIdentifierStartCharacter(builder[0]))
        {
            builder.Insert(0, '_');
        }

        if (builder.Length > MaxLength)
        {
            builder.Length = MaxLength;
        }

        var result = builder.ToString();
        return SyntaxFacts.GetKeywordKind(result) != SyntaxKind.None ? "_" + result : result;
    }

    /// <summary>
    /// A letter or digit that C# takes in an identifier. Formatting and combining characters are left out: the compiler
    /// ignores the first when it compares names, so two different names could become one.
    /// </summary>
    private static bool IsWordCharacter(char c) =>
        c < 128 ? char.IsLetterOrDigit(c) : char.IsLetterOrDigit(c) && SyntaxFacts.IsIdentifierPartCharacter(c);

    /// <summary>Whether <paramref name="name"/> is a valid C# identifier as it stands.</summary>
    public static bool IsIdentifier(string name) => SyntaxFacts.IsValidIdentifier(name) && SyntaxFacts.GetKeywordKind(name) == SyntaxKind.None;

    /// <summary>Hands out unique names in one scope: the second <c>Seed</c> becomes <c>Seed2</c>.</summary>
    public sealed class Scope
    {
        private readonly HashSet<string> _taken = new(System.StringComparer.Ordinal);

        public Scope(params string[] reserved)
        {
            foreach (var name in reserved)
            {
                _taken.Add(name);
            }
        }

        /// <summary>
        /// Reserves <paramref name="name"/>, or the first free <c>name2</c>, <c>name3</c>… (<c>_1_2</c> after a digit, so the
        /// second <c>_1</c> does not read as twelve); says whether it had to rename.
        /// </summary>
        public string Take(string name, out bool renamed)
        {
            renamed = false;
            var candidate = name;
            var separator = char.IsDigit(name[name.Length - 1]) ? "_" : string.Empty;
            for (var n = 2; !_taken.Add(candidate); n++)
            {
                candidate = name + separator + n.ToString(CultureInfo.InvariantCulture);
                renamed = true;
            }

            return candidate;
        }
    }
}
