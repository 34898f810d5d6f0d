namespace Replicate;

/// <summary>
/// A Replicate user or organization: the account that owns the API token (<c>GET /account</c>), or who created a
/// deployment release.
/// </summary>
public sealed class Account
{
    /// <summary>Gets whether this is a user or an organization.</summary>
    public AccountType Type { get; init; }

    /// <summary>Gets the username (the owner part of its models' names).</summary>
    public string Username { get; init; } = string.Empty;

    /// <summary>Gets the display name.</summary>
    public string? Name { get; init; }

    /// <summary>Gets the account's GitHub profile.</summary>
    public Uri? GithubUrl { get; init; }

    /// <summary>Gets the account's avatar image.</summary>
    public Uri? AvatarUrl { get; init; }

    /// <inheritdoc />
    public override string ToString() => Username;
}
