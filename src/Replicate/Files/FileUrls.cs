namespace Replicate;

/// <summary>The URLs the Files API returns for an uploaded file.</summary>
public sealed class FileUrls
{
    /// <summary>
    /// Gets the file's API URL (<c>https://api.replicate.com/v1/files/{id}</c>). Replicate accepts it as a model input;
    /// a GET on it returns the file's metadata, not its content.
    /// </summary>
    public Uri? Get { get; init; }
}
