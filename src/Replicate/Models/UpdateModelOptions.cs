namespace Replicate;

/// <summary>
/// The changes <see cref="ModelsClient.UpdateAsync"/> makes (<c>PATCH /models/{owner}/{name}</c>). Only the properties
/// you set are sent; the others keep their values on the server.
/// </summary>
public sealed class UpdateModelOptions
{
    /// <summary>Gets or sets the description.</summary>
    public string? Description { get; set; }

    /// <summary>Gets or sets the README, in Markdown.</summary>
    public string? Readme { get; set; }

    /// <summary>Gets or sets the model's source code repository.</summary>
    public Uri? GithubUrl { get; set; }

    /// <summary>Gets or sets the paper the model is based on.</summary>
    public Uri? PaperUrl { get; set; }

    /// <summary>Gets or sets where the model's weights can be downloaded.</summary>
    public Uri? WeightsUrl { get; set; }

    /// <summary>Gets or sets the model's license.</summary>
    public Uri? LicenseUrl { get; set; }

    internal void Validate()
    {
        if (Description is null && Readme is null && GithubUrl is null && PaperUrl is null && WeightsUrl is null && LicenseUrl is null)
        {
            throw new ArgumentException("Set at least one property to update: an empty update would change nothing.", "options");
        }

        OptionChecks.AbsoluteUrl(GithubUrl, nameof(GithubUrl));
        OptionChecks.AbsoluteUrl(PaperUrl, nameof(PaperUrl));
        OptionChecks.AbsoluteUrl(WeightsUrl, nameof(WeightsUrl));
        OptionChecks.AbsoluteUrl(LicenseUrl, nameof(LicenseUrl));
    }
}
