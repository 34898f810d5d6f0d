using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization.Metadata;

namespace Replicate;

/// <summary>Batches: many inputs through one model, at the account's rate limit, resumable with a journal.</summary>
public partial class ReplicateClient
{
    /// <summary>
    /// Runs a model over many inputs: at most <see cref="BatchOptions.MaxConcurrency"/> at once, every request within the
    /// rate limits (<see cref="BatchOptions.RateLimits"/>; a 429 pauses the whole batch until its <c>Retry-After</c>),
    /// results as they finish (or in input order, <see cref="BatchOptions.PreserveOrder"/>). Inputs are read as the batch
    /// needs them, never all at once. A failed item is a result with <see cref="BatchResult{TOutput}.Error"/>, never the
    /// end of the batch. With <see cref="BatchOptions.JournalPath"/>, running it again after a crash creates nothing twice.
    /// </summary>
    /// <remarks>
    /// Canceling <paramref name="cancellationToken"/> (or leaving the loop) starts no more items and cancels the running
    /// predictions on the server, unless <see cref="PredictionOptions.CancelOnAbandon"/> is off in
    /// <see cref="BatchOptions.Prediction"/>. Only a journal that cannot be used (<see cref="BatchJournalException"/>), the
    /// inputs' own enumerator throwing, or cancellation end the loop with an exception.
    /// </remarks>
    /// <param name="model"><c>owner/name</c>, <c>owner/name:version</c>, a version id or <c>deployment:owner/name</c>.</param>
    /// <param name="inputs">The inputs: anonymous objects, dictionaries, records or <see cref="System.Text.Json.Nodes.JsonObject"/>s.</param>
    /// <param name="options">Concurrency, order, journal, rate limits, progress and how predictions are created.</param>
    /// <param name="cancellationToken">Stops the batch.</param>
    /// <returns>One result per input.</returns>
    /// <exception cref="BatchJournalException">The journal is not one, or was written for another model or other inputs.</exception>
    [RequiresUnreferencedCode(InputSerializer.ReflectionWarning)]
    [RequiresDynamicCode(InputSerializer.ReflectionWarning)]
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Shaped like RunAsync: the overloads differ in required parameter types, so no call is ambiguous.")]
    public virtual IAsyncEnumerable<BatchResult<PredictionOutput>> RunBatchAsync(ModelIdentifier model, IAsyncEnumerable<object?> inputs, BatchOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var createOptions = BatchCreateOptions(options);
        return new BatchRunner<object?, PredictionOutput>(
            Predictions, _transport, model, (input, ct) => Predictions.StageUntypedAsync(model, input!, createOptions, ct), p => new PredictionOutput(p, _transport), options, createOptions)
            .RunAsync(inputs, cancellationToken);
    }

    /// <summary>Runs a model over many inputs; see <see cref="RunBatchAsync(ModelIdentifier, IAsyncEnumerable{object?}, BatchOptions?, CancellationToken)"/>.</summary>
    /// <param name="model"><c>owner/name</c>, <c>owner/name:version</c>, a version id or <c>deployment:owner/name</c>.</param>
    /// <param name="inputs">The inputs, enumerated as the batch needs them.</param>
    /// <param name="options">Concurrency, order, journal, rate limits, progress and how predictions are created.</param>
    /// <param name="cancellationToken">Stops the batch.</param>
    /// <returns>One result per input.</returns>
    /// <exception cref="BatchJournalException">The journal is not one, or was written for another model or other inputs.</exception>
    [RequiresUnreferencedCode(InputSerializer.ReflectionWarning)]
    [RequiresDynamicCode(InputSerializer.ReflectionWarning)]
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Shaped like RunAsync: the overloads differ in required parameter types, so no call is ambiguous.")]
    public virtual IAsyncEnumerable<BatchResult<PredictionOutput>> RunBatchAsync(ModelIdentifier model, IEnumerable<object?> inputs, BatchOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return RunBatchAsync(model, AsAsync(inputs, cancellationToken), options, cancellationToken);
    }

    /// <summary>
    /// Runs a model over many inputs your own source-generated <c>JsonSerializerContext</c> writes: the trimming- and
    /// Native-AOT-safe form of <see cref="RunBatchAsync(ModelIdentifier, IAsyncEnumerable{object?}, BatchOptions?, CancellationToken)"/>.
    /// </summary>
    /// <typeparam name="TInput">The inputs' type.</typeparam>
    /// <param name="model"><c>owner/name</c>, <c>owner/name:version</c>, a version id or <c>deployment:owner/name</c>.</param>
    /// <param name="inputs">The inputs, enumerated as the batch needs them.</param>
    /// <param name="inputType">Their metadata, e.g. <c>MyJsonContext.Default.MyInput</c>.</param>
    /// <param name="options">Concurrency, order, journal, rate limits, progress and how predictions are created.</param>
    /// <param name="cancellationToken">Stops the batch.</param>
    /// <returns>One result per input.</returns>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Shaped like RunAsync: the overloads differ in required parameter types, so no call is ambiguous.")]
    public virtual IAsyncEnumerable<BatchResult<PredictionOutput>> RunBatchAsync<TInput>(ModelIdentifier model, IAsyncEnumerable<TInput> inputs, JsonTypeInfo<TInput> inputType, BatchOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(inputType);
        var createOptions = BatchCreateOptions(options);
        return new BatchRunner<TInput, PredictionOutput>(
            Predictions, _transport, model, (input, ct) => Predictions.StageAsync(model, input, inputType, createOptions, ct), p => new PredictionOutput(p, _transport), options, createOptions)
            .RunAsync(inputs, cancellationToken);
    }

    /// <summary>
    /// Runs a typed model (see <see cref="ReplicateModel{TInput, TOutput}"/>) over many inputs, each checked against the
    /// schema before anything is sent (a bad one is a failed result: <see cref="InputValidationException"/>); otherwise like
    /// <see cref="RunBatchAsync(ModelIdentifier, IAsyncEnumerable{object?}, BatchOptions?, CancellationToken)"/>.
    /// </summary>
    /// <typeparam name="TInput">The generated input record.</typeparam>
    /// <typeparam name="TOutput">The model's output type.</typeparam>
    /// <param name="model">The model, e.g. <c>FluxSchnell.Model</c>.</param>
    /// <param name="inputs">The inputs, enumerated as the batch needs them.</param>
    /// <param name="options">Concurrency, order, journal, rate limits, progress and how predictions are created.</param>
    /// <param name="cancellationToken">Stops the batch.</param>
    /// <returns>One result per input, with the typed output.</returns>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Shaped like RunAsync: the overloads differ in required parameter types, so no call is ambiguous.")]
    public virtual IAsyncEnumerable<BatchResult<TOutput>> RunBatchAsync<TInput, TOutput>(ReplicateModel<TInput, TOutput> model, IAsyncEnumerable<TInput> inputs, BatchOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        var createOptions = BatchCreateOptions(options);
        return new BatchRunner<TInput, TOutput>(
            Predictions, _transport, model.Identifier, (input, ct) => ValueTask.FromResult(PredictionsClient.Stage(model, input)), p => model.Read(new PredictionOutput(p, _transport)), options, createOptions)
            .RunAsync(inputs, cancellationToken);
    }

    /// <summary>Runs a typed model over many inputs; see <see cref="RunBatchAsync{TInput, TOutput}(ReplicateModel{TInput, TOutput}, IAsyncEnumerable{TInput}, BatchOptions?, CancellationToken)"/>.</summary>
    /// <typeparam name="TInput">The generated input record.</typeparam>
    /// <typeparam name="TOutput">The model's output type.</typeparam>
    /// <param name="model">The model, e.g. <c>FluxSchnell.Model</c>.</param>
    /// <param name="inputs">The inputs, enumerated as the batch needs them.</param>
    /// <param name="options">Concurrency, order, journal, rate limits, progress and how predictions are created.</param>
    /// <param name="cancellationToken">Stops the batch.</param>
    /// <returns>One result per input, with the typed output.</returns>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Shaped like RunAsync: the overloads differ in required parameter types, so no call is ambiguous.")]
    public virtual IAsyncEnumerable<BatchResult<TOutput>> RunBatchAsync<TInput, TOutput>(ReplicateModel<TInput, TOutput> model, IEnumerable<TInput> inputs, BatchOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return RunBatchAsync(model, AsAsync(inputs, cancellationToken), options, cancellationToken);
    }

    /// <summary>How each item is created: the batch's prediction options, with the client's sync wait when none is given.</summary>
    private PredictionOptions BatchCreateOptions(BatchOptions? options)
    {
        var prediction = options?.Prediction;
        // Webhooks report the result: no need to hold a connection per item for it.
        var created = RunOptions(prediction?.Wait ?? (options?.WebhookCompletions is null ? _transport.Options.Wait : TimeSpan.Zero), prediction);
        created.CancelOnAbandon = prediction?.CancelOnAbandon ?? true;
        return created;
    }

    private static async IAsyncEnumerable<T> AsAsync<T>(IEnumerable<T> items, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var item in items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return item;
            await Task.CompletedTask.ConfigureAwait(false);
        }
    }
}
