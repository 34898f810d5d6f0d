using System.Text.Json;

namespace Replicate.Testing;

/// <summary>
/// The code behind an emulated model: receives the prediction input and returns its output.
/// </summary>
/// <param name="input">The <c>input</c> object of the prediction request, as sent.</param>
/// <param name="context">
/// The running prediction: logs, streamed output pieces, files, a clock and a token that is canceled when the
/// prediction is canceled or passes its deadline.
/// </param>
/// <returns>
/// The prediction output, serialized with System.Text.Json web defaults (strings stay strings). Return
/// <see langword="null"/> after emitting pieces with <see cref="PredictionContext.Output"/> to make the output
/// the array of those pieces, as Cog iterator models do. Throw (for example a <see cref="ModelFailedException"/>)
/// to make the prediction fail with the exception's message as its <c>error</c>.
/// </returns>
public delegate Task<object?> EmulatorModelHandler(JsonElement input, PredictionContext context);
