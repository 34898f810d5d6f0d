namespace Replicate;

/// <summary>
/// The URLs the API returns for working with a training. Do not depend on their shape: creates have been seen to answer
/// with <c>/predictions/{id}</c> URLs; use <see cref="TrainingsClient"/> methods instead.
/// </summary>
public sealed class TrainingUrls
{
    /// <summary>Gets the API URL that returns the latest state of the training.</summary>
    public Uri? Get { get; init; }

    /// <summary>Gets the API URL that cancels the training.</summary>
    public Uri? Cancel { get; init; }

    /// <summary>Gets the page that shows the training on replicate.com.</summary>
    public Uri? Web { get; init; }
}
