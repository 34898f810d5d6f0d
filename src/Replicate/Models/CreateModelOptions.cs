namespace Replicate;

/// <summary>What <see cref="ModelsClient.CreateAsync"/> creates (<c>POST /models</c>). Push versions to it with Cog afterwards.</summary>
public sealed class CreateModelOptions
{
    /// <summary>Gets or sets the owner: the token's own username, or an organization it belongs to.</summary>
    public required string Owner { get; set; }

    /// <summary>Gets or sets the name, unique among the owner's models.</summary>
    public required string Name { get; set; }

    /// <summary>Gets or sets who can see and run the model.</summary>
    public required ModelVisibility Visibility { get; set; }

    /// <summary>Gets or sets the hardware SKU the model runs on, e.g. <c>gpu-t4</c> (see <see cref="HardwareClient.ListAsync"/>).</summary>
    public required string Hardware { get; set; }

    /// <summary>Gets or sets the description.</summary>
    public string? Description { get; set; }

    /// <summary>Gets or sets the model's source code repository.</summary>
    public Uri? GithubUrl { get; set; }

    /// <summary>Gets or sets the paper the model is based on.</summary>
    public Uri? PaperUrl { get; set; }

    /// <summary>Gets or sets the model's license.</summary>
    public Uri? LicenseUrl { get; set; }

    /// <summary>Gets or sets the image shown for the model.</summary>
    public Uri? CoverImageUrl { get; set; }

    internal void Validate()
    {
        _ = ModelIdentifier.Create(Owner, Name);
        ArgumentException.ThrowIfNullOrWhiteSpace(Visibility.Value, nameof(Visibility));
        ArgumentException.ThrowIfNullOrWhiteSpace(Hardware, nameof(Hardware));
        OptionChecks.AbsoluteUrl(GithubUrl, nameof(GithubUrl));
        OptionChecks.AbsoluteUrl(PaperUrl, nameof(PaperUrl));
        OptionChecks.AbsoluteUrl(LicenseUrl, nameof(LicenseUrl));
        OptionChecks.AbsoluteUrl(CoverImageUrl, nameof(CoverImageUrl));
    }
}
