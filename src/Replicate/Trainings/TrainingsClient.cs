using System.Diagnostics.CodeAnalysis;

namespace Replicate;

/// <summary>
/// Creates, reads, waits for, cancels and lists trainings (fine-tuning runs that push a new version to a model you own).
/// Reach it through <see cref="ReplicateClient.Trainings"/>.
/// </summary>
public class TrainingsClient
{
    private readonly ReplicateTransport _transport;

    /// <summary>Initializes a new instance for mocking.</summary>
    protected TrainingsClient()
    {
        _transport = null!;
    }

    internal TrainingsClient(ReplicateTransport transport)
    {
        _transport = transport;
    }

    /// <summary>
    /// Starts training a model version. On success the training pushes a new version to <paramref name="destination"/>
    /// (<see cref="TrainingOutput.Version"/>). File values in the input (<see cref="FileInfo"/>, <see cref="Stream"/>,
    /// bytes) are uploaded or inlined per <see cref="TrainingOptions.FileEncodingStrategy"/>.
    /// </summary>
    /// <remarks><c>POST /models/{owner}/{name}/versions/{version}/trainings</c> (201).</remarks>
    /// <param name="version">The version to train: <c>owner/name:version</c> (the endpoint needs all three parts).</param>
    /// <param name="destination">The existing model you own that receives the new version, as <c>owner/name</c>.</param>
    /// <param name="input">The inputs of the model's <c>train()</c>: an anonymous object, dictionary, record or <see cref="System.Text.Json.Nodes.JsonObject"/>.</param>
    /// <param name="options">Webhook and file encoding options.</param>
    /// <param name="cancellationToken">Cancels the request. A training the server already created keeps running.</param>
    /// <returns>The new training.</returns>
    /// <exception cref="ArgumentException">The version, destination, input or an option is invalid; nothing was sent.</exception>
    /// <exception cref="ReplicateApiException">The API rejected the request (404 for a destination that does not exist).</exception>
    [RequiresUnreferencedCode(InputSerializer.ReflectionWarning)]
    [RequiresDynamicCode(InputSerializer.ReflectionWarning)]
    public virtual async Task<Training> CreateAsync(ModelIdentifier version, string destination, object input, TrainingOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (!version.HasModel || version.Version is null)
        {
            throw new ArgumentException(
                $"A training needs the version to train as 'owner/name:version', got '{version}'. Find version ids with replicate.Models.", nameof(version));
        }

        ValidateDestination(destination);
        ArgumentNullException.ThrowIfNull(input);
        options?.Validate();
        var inputJson = await FileInputs.SerializeAsync(
            _transport, input, options?.FileEncodingStrategy ?? _transport.Options.FileEncodingStrategy, nameof(input), cancellationToken).ConfigureAwait(false);
        var content = ReplicateTransport.JsonContent((destination, inputJson, options), static (writer, state) =>
        {
            writer.WriteStartObject();
            writer.WriteString("destination", state.destination);
            writer.WritePropertyName("input");
            writer.WriteRawValue(state.inputJson.Span, skipInputValidation: true);
            WebhookRequestFields.Write(writer, state.options?.Webhook, state.options?.WebhookEventsFilter);
            writer.WriteEndObject();
        });

        var request = _transport.CreateRequest(
            HttpMethod.Post, _transport.Resolve($"models/{version.Owner}/{version.Name}/versions/{version.Version}/trainings"));
        request.Content = content;
        return await _transport.SendAsync(request, ReplicateJsonContext.Default.Training, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets the latest state of a training.</summary>
    /// <remarks><c>GET /trainings/{id}</c>.</remarks>
    /// <param name="id">The training id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The training.</returns>
    /// <exception cref="ReplicateApiException">404 when there is no such training.</exception>
    public virtual Task<Training> GetAsync(string id, CancellationToken cancellationToken = default) =>
        _transport.GetAsync(_transport.Resolve("trainings/" + OptionChecks.PathId(id, nameof(id))), ReplicateJsonContext.Default.Training, cancellationToken).AsTask();

    /// <summary>Cancels a training. Canceling a finished training changes nothing.</summary>
    /// <remarks><c>POST /trainings/{id}/cancel</c>.</remarks>
    /// <param name="id">The training id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The training after the cancel request.</returns>
    public virtual Task<Training> CancelAsync(string id, CancellationToken cancellationToken = default)
    {
        var request = _transport.CreateRequest(HttpMethod.Post, _transport.Resolve("trainings/" + OptionChecks.PathId(id, nameof(id)) + "/cancel"));
        return _transport.SendAsync(request, ReplicateJsonContext.Default.Training, cancellationToken).AsTask();
    }

    /// <summary>
    /// Polls a training until it is terminal (succeeded, failed, canceled, aborted, or a status this version does not
    /// know), at the same pace as <see cref="PredictionsClient.WaitAsync"/>: the polling interval, doubling to 5 s while
    /// nothing changes. Canceling the token stops waiting; it does not cancel the training (use <see cref="CancelAsync"/>).
    /// </summary>
    /// <remarks>Polls <c>GET /trainings/{id}</c>.</remarks>
    /// <param name="training">The training to wait for.</param>
    /// <param name="progress">Called with every polled state.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The training in its terminal state. A failed training is returned, not thrown.</returns>
    public virtual async Task<Training> WaitAsync(Training training, IProgress<Training>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(training);
        var schedule = new PollSchedule(_transport);
        var id = training.Id;
        while (!training.Status.IsTerminal)
        {
            var next = await schedule.PollAsync(ct => GetAsync(id, ct), cancellationToken).ConfigureAwait(false);
            if (next.Status != training.Status)
            {
                schedule.Changed();
            }

            training = next;
            progress?.Report(training);
        }

        return training;
    }

    /// <summary>Gets one page of trainings, newest first.</summary>
    /// <remarks><c>GET /trainings</c>.</remarks>
    /// <param name="cursor">A page's <see cref="Page{T}.Next"/> or <see cref="Page{T}.Previous"/>, or <see langword="null"/> for the first page.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The page.</returns>
    public virtual Task<Page<Training>> ListAsync(string? cursor = null, CancellationToken cancellationToken = default) =>
        _transport.GetAsync(_transport.ListUri("trainings", cursor), ReplicateJsonContext.Default.PageTraining, cancellationToken).AsTask();

    /// <summary>Enumerates every training, newest first, fetching pages lazily as you iterate.</summary>
    /// <remarks><c>GET /trainings</c>, then each <c>next</c> page.</remarks>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The trainings.</returns>
    public virtual IAsyncEnumerable<Training> EnumerateAsync(CancellationToken cancellationToken = default) =>
        Pager.EnumerateAsync(ListAsync, "trainings", cancellationToken);

    private static void ValidateDestination(string destination)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);
        var slash = destination.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || destination.IndexOf('/', slash + 1) >= 0 || destination.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The destination must be an existing model you own, as 'owner/name'; got '{destination}'.", nameof(destination));
        }

        // Checks both parts' characters, with messages that name the bad one.
        ModelIdentifier.Create(destination[..slash], destination[(slash + 1)..]);
    }
}
