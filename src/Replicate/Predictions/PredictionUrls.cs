namespace Replicate;

/// <summary>The URLs the API returns for working with a prediction. Every one may be missing in older responses.</summary>
public sealed class PredictionUrls
{
    /// <summary>Gets the API URL that returns the latest state of the prediction.</summary>
    public Uri? Get { get; init; }

    /// <summary>Gets the API URL that cancels the prediction.</summary>
    public Uri? Cancel { get; init; }

    /// <summary>Gets the server-sent-events URL that streams output, when the model supports streaming.</summary>
    public Uri? Stream { get; init; }

    /// <summary>Gets the page that shows the prediction on replicate.com.</summary>
    public Uri? Web { get; init; }
}
