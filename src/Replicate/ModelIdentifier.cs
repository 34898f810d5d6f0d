using System.Diagnostics.CodeAnalysis;

namespace Replicate;

/// <summary>
/// Names what to run: <c>owner/name</c> (an official model, or a deployment-less latest model),
/// <c>owner/name:version</c>, a bare 64-character version id, or <c>deployment:owner/name</c> (a deployment, see
/// <see cref="Deployment(string, string)"/>). Strings convert implicitly, so <c>RunAsync("owner/name", ...)</c> works;
/// a malformed string throws <see cref="FormatException"/> naming it.
/// </summary>
public readonly record struct ModelIdentifier
{
    private const int VersionLength = 64;
    private const string DeploymentPrefix = "deployment:";
    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    private ModelIdentifier(string? owner, string? name, string? version, bool isDeployment = false)
    {
        Owner = owner;
        Name = name;
        Version = version;
        IsDeployment = isDeployment;
    }

    /// <summary>Gets the owner (user or organization), or <see langword="null"/> for a bare version id.</summary>
    public string? Owner { get; }

    /// <summary>Gets the model name, or <see langword="null"/> for a bare version id.</summary>
    public string? Name { get; }

    /// <summary>Gets the 64-character version id, or <see langword="null"/> to run the model's latest version.</summary>
    public string? Version { get; }

    /// <summary>
    /// Gets whether this names a deployment (<c>deployment:owner/name</c>) rather than a model: predictions go to
    /// <c>POST /deployments/{owner}/{name}/predictions</c> and run the deployment's current release.
    /// </summary>
    public bool IsDeployment { get; }

    /// <summary>Gets whether <see cref="Owner"/> and <see cref="Name"/> are known.</summary>
    [MemberNotNullWhen(true, nameof(Owner), nameof(Name))]
    public bool HasModel => Owner is not null && Name is not null;

    /// <summary>Creates an identifier from parts.</summary>
    /// <param name="owner">The owner.</param>
    /// <param name="name">The model name.</param>
    /// <param name="version">The version id, or <see langword="null"/>.</param>
    /// <returns>The identifier.</returns>
    /// <exception cref="ArgumentException">A part is empty or has a character identifiers cannot contain.</exception>
    public static ModelIdentifier Create(string owner, string name, string? version = null)
    {
        if (!IsValidSegment(owner))
        {
            throw new ArgumentException($"'{owner}' is not a valid model owner: use letters, digits, '-', '_' or '.'.", nameof(owner));
        }

        if (!IsValidSegment(name))
        {
            throw new ArgumentException($"'{name}' is not a valid model name: use letters, digits, '-', '_' or '.'.", nameof(name));
        }

        if (version is not null && !IsVersionId(version))
        {
            throw new ArgumentException($"'{version}' is not a version id: a version id is 64 hexadecimal characters.", nameof(version));
        }

        return new ModelIdentifier(owner, name, version?.ToLowerInvariant());
    }

    /// <summary>Creates an identifier of a deployment, which runs whatever version the deployment's current release names.</summary>
    /// <param name="owner">The deployment's owner.</param>
    /// <param name="name">The deployment's name.</param>
    /// <returns>The identifier; its text form is <c>deployment:owner/name</c>.</returns>
    /// <exception cref="ArgumentException">A part is empty or has a character identifiers cannot contain.</exception>
    public static ModelIdentifier Deployment(string owner, string name)
    {
        var model = Create(owner, name);
        return new ModelIdentifier(model.Owner, model.Name, null, isDeployment: true);
    }

    /// <summary>
    /// Parses <c>owner/name</c>, <c>owner/name:version</c>, a bare 64-character version id, or <c>deployment:owner/name</c>.
    /// </summary>
    /// <param name="value">The text to parse.</param>
    /// <returns>The identifier.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is <see langword="null"/>.</exception>
    /// <exception cref="FormatException"><paramref name="value"/> is not one of the four forms; the message says why.</exception>
    public static ModelIdentifier Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return TryParse(value, out var result, out var error) ? result : throw new FormatException(error);
    }

    /// <summary>Tries to parse <c>owner/name</c>, <c>owner/name:version</c>, a bare version id or <c>deployment:owner/name</c>.</summary>
    /// <param name="value">The text to parse.</param>
    /// <param name="result">The identifier, when parsing succeeded.</param>
    /// <returns>Whether <paramref name="value"/> was valid.</returns>
    public static bool TryParse([NotNullWhen(true)] string? value, out ModelIdentifier result) => TryParse(value, out result, out _);

    /// <summary>Parses a string; see <see cref="Parse(string)"/>.</summary>
    /// <param name="value">The text to parse.</param>
    /// <exception cref="FormatException"><paramref name="value"/> is not a model identifier.</exception>
    [SuppressMessage("Usage", "CA2225:Operator overloads have named alternates", Justification = "Parse is the named alternate.")]
    public static implicit operator ModelIdentifier(string value) => Parse(value);

    /// <summary>
    /// Returns the canonical form, which <see cref="Parse"/> reads back: <c>owner/name</c>, <c>owner/name:version</c>,
    /// the bare version id, or <c>deployment:owner/name</c>.
    /// </summary>
    /// <returns>The identifier as text.</returns>
    public override string ToString() =>
        !HasModel ? Version ?? string.Empty
        : IsDeployment ? $"{DeploymentPrefix}{Owner}/{Name}"
        : Version is null ? $"{Owner}/{Name}"
        : $"{Owner}/{Name}:{Version}";

    internal static bool IsVersionId(ReadOnlySpan<char> value) =>
        value.Length == VersionLength && !value.ContainsAnyExcept(HexDigits);

    private static bool TryParse(string? value, out ModelIdentifier result, out string error)
    {
        result = default;
        if (string.IsNullOrWhiteSpace(value))
        {
            error = "A model identifier is required: use 'owner/name', 'owner/name:version' or a 64-character version id.";
            return false;
        }

        if (value.StartsWith(DeploymentPrefix, StringComparison.Ordinal))
        {
            return TryParseDeployment(value, out result, out error);
        }

        if (value.IndexOf('/') < 0 && value.IndexOf(':') < 0)
        {
            if (IsVersionId(value))
            {
                result = new ModelIdentifier(null, null, value.ToLowerInvariant());
                error = string.Empty;
                return true;
            }

            error = $"'{value}' is not a model identifier: use 'owner/name', 'owner/name:version' or a 64-character version id.";
            return false;
        }

        var colon = value.IndexOf(':');
        var model = colon < 0 ? value.AsSpan() : value.AsSpan(0, colon);
        var slash = model.IndexOf('/');
        if (slash < 0 || model.LastIndexOf('/') != slash)
        {
            error = $"'{value}' is not a model identifier: expected exactly one '/' between owner and name, as in 'owner/name'.";
            return false;
        }

        var owner = model[..slash];
        var name = model[(slash + 1)..];
        if (!IsValidSegment(owner) || !IsValidSegment(name))
        {
            error = $"'{value}' is not a model identifier: owner and name must be non-empty and use only letters, digits, '-', '_' or '.'.";
            return false;
        }

        string? version = null;
        if (colon >= 0)
        {
            var versionSpan = value.AsSpan(colon + 1);
            if (!IsVersionId(versionSpan))
            {
                error = $"'{value}' has an invalid version '{versionSpan}': a version id is 64 hexadecimal characters.";
                return false;
            }

            version = versionSpan.ToString().ToLowerInvariant();
        }

        result = new ModelIdentifier(owner.ToString(), name.ToString(), version);
        error = string.Empty;
        return true;
    }

    private static bool TryParseDeployment(string value, out ModelIdentifier result, out string error)
    {
        result = default;
        var deployment = value.AsSpan(DeploymentPrefix.Length);
        if (deployment.IndexOf(':') >= 0)
        {
            error = $"'{value}' is not a deployment identifier: a deployment runs its current release's version, so it takes no ':version'.";
            return false;
        }

        var slash = deployment.IndexOf('/');
        if (slash < 0 || deployment.LastIndexOf('/') != slash || !IsValidSegment(deployment[..slash]) || !IsValidSegment(deployment[(slash + 1)..]))
        {
            error = $"'{value}' is not a deployment identifier: expected 'deployment:owner/name' with a non-empty owner and name of letters, digits, '-', '_' or '.'.";
            return false;
        }

        result = new ModelIdentifier(deployment[..slash].ToString(), deployment[(slash + 1)..].ToString(), null, isDeployment: true);
        error = string.Empty;
        return true;
    }

    internal static bool IsValidSegment(ReadOnlySpan<char> segment)
    {
        if (segment.IsEmpty || segment.Length > 100)
        {
            return false;
        }

        foreach (var c in segment)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return false;
            }
        }

        // "." and ".." would change the URL path they are put into.
        return segment is not "." and not "..";
    }
}
