using System.Text.Json;
using Replicate.Testing.Internal;

namespace Replicate.Testing;

/// <summary>
/// The running prediction as a model handler sees it: its id and input, a clock, a cancellation token, and ways
/// to log, stream output pieces and publish output files.
/// </summary>
public sealed class PredictionContext
{
    private readonly PredictionState _state;
    private readonly EmulatorCore _core;

    internal PredictionContext(PredictionState state, EmulatorCore core)
    {
        _state = state;
        _core = core;
    }

    /// <summary>The prediction id.</summary>
    public string PredictionId => _state.Id;

    /// <summary>The <c>input</c> object of the prediction request.</summary>
    public JsonElement Input => _state.Input;

    /// <summary>The emulator's clock (<see cref="ReplicateEmulatorOptions.TimeProvider"/>).</summary>
    public TimeProvider TimeProvider => _core.Time;

    /// <summary>
    /// Canceled when the prediction is canceled, passes its <c>Cancel-After</c> deadline, or the emulator is
    /// disposed. Pass it to anything the handler awaits.
    /// </summary>
    public CancellationToken CancellationToken => _state.Token;

    /// <summary>
    /// Appends <paramref name="line"/> and a newline to the prediction's <c>logs</c> and emits a <c>logs</c>
    /// server-sent event. Ignored once the prediction has ended.
    /// </summary>
    /// <param name="line">The log line, without a trailing newline.</param>
    public void Log(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        _state.AppendLog(line);
    }

    /// <summary>
    /// Appends a piece to the prediction's output array, as a Cog iterator model yields it, and emits an
    /// <c>output</c> server-sent event (strings as they are, anything else as JSON). Ignored once the
    /// prediction has ended.
    /// </summary>
    /// <param name="piece">The piece: a token string, a file URL, or any JSON-serializable value.</param>
    public void Output(object? piece)
    {
        var json = OutputJson.Serialize(piece);
        _state.AppendOutput(json, OutputJson.EventData(piece, json));
    }

    /// <summary>
    /// Reports a metric in the prediction's <c>metrics</c> object, next to <c>predict_time</c> and <c>total_time</c>:
    /// for example <c>input_token_count</c> and <c>output_token_count</c>, as language models on Replicate report them.
    /// Setting a name again replaces its value. Ignored once the prediction has ended.
    /// </summary>
    /// <param name="name">The metric's name in snake_case.</param>
    /// <param name="value">The value.</param>
    public void SetMetric(string name, double value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name is "predict_time" or "total_time")
        {
            throw new ArgumentException("predict_time and total_time are measured by the emulator.", nameof(name));
        }

        _state.SetMetric(name, value);
    }

    /// <summary>Waits on the emulator's clock; canceled with the prediction.</summary>
    /// <param name="delay">How long to wait.</param>
    /// <returns>A task that completes after <paramref name="delay"/>.</returns>
    public Task DelayAsync(TimeSpan delay) => Task.Delay(delay, _core.Time, _state.Token);

    /// <summary>
    /// Opens a file the prediction received as input, as Replicate resolves file URLs before the model runs: an
    /// upload's <c>urls.get</c> (<c>POST /files</c>), a signed download URL, an output file of this emulator, or a
    /// <c>data:</c> URI.
    /// </summary>
    /// <param name="url">The input value.</param>
    /// <returns>A readable stream of the file's content; dispose it.</returns>
    /// <exception cref="ArgumentException">The value is not a file this emulator can open (it never fetches from the internet).</exception>
    public Stream OpenInputFile(string url) => InputFiles.Open(_core, url);

    /// <summary>Publishes bytes as an output file and returns its absolute URL (served without auth).</summary>
    /// <param name="fileName">The last segment of the URL, e.g. <c>out-0.png</c>.</param>
    /// <param name="content">The file content.</param>
    /// <param name="contentType">The <c>Content-Type</c> the file is served with.</param>
    /// <returns>The absolute URL of the file.</returns>
    public string AddFile(string fileName, byte[] content, string contentType)
    {
        ArgumentNullException.ThrowIfNull(content);
        return _core.Files.Add(fileName, contentType, () => new MemoryStream(content, writable: false));
    }

    /// <summary>Publishes a stream as an output file and returns its absolute URL (served without auth).</summary>
    /// <param name="fileName">The last segment of the URL, e.g. <c>weights.tar</c>.</param>
    /// <param name="contentType">The <c>Content-Type</c> the file is served with.</param>
    /// <param name="open">Opens a new readable, seekable stream of the content for each download.</param>
    /// <returns>The absolute URL of the file.</returns>
    public string AddFile(string fileName, string contentType, Func<Stream> open) =>
        _core.Files.Add(fileName, contentType, open);
}
