using System.Diagnostics.CodeAnalysis;

namespace Replicate;

/// <summary>
/// Creates predictions on a deployment, which runs the version its current release names. Reach it through
/// <see cref="DeploymentsClient.Predictions"/>; to run and wait, use <c>RunAsync(ModelIdentifier.Deployment(owner, name), input)</c>.
/// </summary>
public class DeploymentPredictionsClient
{
    private readonly PredictionsClient _predictions;

    /// <summary>Initializes a new instance for mocking.</summary>
    protected DeploymentPredictionsClient()
    {
        _predictions = null!;
    }

    internal DeploymentPredictionsClient(PredictionsClient predictions)
    {
        _predictions = predictions;
    }

    /// <summary>Creates a prediction on a deployment.</summary>
    /// <remarks><c>POST /deployments/{owner}/{name}/predictions</c>, with <c>Prefer</c> and <c>Cancel-After</c> from <paramref name="options"/>; 201 or 202.</remarks>
    /// <param name="deployment">The deployment, <c>owner/name</c>.</param>
    /// <param name="input">The model's input: an anonymous object, dictionary, record or <see cref="System.Text.Json.Nodes.JsonObject"/>.</param>
    /// <param name="options">Sync wait, deadline and webhook options.</param>
    /// <param name="cancellationToken">Cancels the request. A prediction the server already created keeps running.</param>
    /// <returns>The new prediction; with <see cref="PredictionOptions.Wait"/>, possibly already finished.</returns>
    /// <exception cref="ArgumentException">The deployment name, input or an option is invalid; nothing was sent.</exception>
    /// <exception cref="ReplicateApiException">The API rejected the request (404 for an unknown deployment).</exception>
    [RequiresUnreferencedCode(InputSerializer.ReflectionWarning)]
    [RequiresDynamicCode(InputSerializer.ReflectionWarning)]
    public virtual Task<Prediction> CreateAsync(string deployment, object input, PredictionOptions? options = null, CancellationToken cancellationToken = default) =>
        _predictions.CreateAsync(DeploymentsClient.Identify(deployment), input, options, cancellationToken);

    /// <summary>Creates a prediction on a deployment.</summary>
    /// <remarks><c>POST /deployments/{owner}/{name}/predictions</c>, with <c>Prefer</c> and <c>Cancel-After</c> from <paramref name="options"/>; 201 or 202.</remarks>
    /// <param name="owner">The deployment's owner.</param>
    /// <param name="name">The deployment's name.</param>
    /// <param name="input">The model's input.</param>
    /// <param name="options">Sync wait, deadline and webhook options.</param>
    /// <param name="cancellationToken">Cancels the request. A prediction the server already created keeps running.</param>
    /// <returns>The new prediction.</returns>
    /// <exception cref="ArgumentException">The owner, name, input or an option is invalid; nothing was sent.</exception>
    /// <exception cref="ReplicateApiException">The API rejected the request.</exception>
    [RequiresUnreferencedCode(InputSerializer.ReflectionWarning)]
    [RequiresDynamicCode(InputSerializer.ReflectionWarning)]
    public virtual Task<Prediction> CreateAsync(string owner, string name, object input, PredictionOptions? options = null, CancellationToken cancellationToken = default) =>
        _predictions.CreateAsync(ModelIdentifier.Deployment(owner, name), input, options, cancellationToken);
}
