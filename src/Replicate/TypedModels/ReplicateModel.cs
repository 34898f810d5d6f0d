using System.Text.Json;

namespace Replicate;

/// <summary>
/// A model pinned to one version, with typed input and output: what the typed-models generator makes from a schema file
/// (<c>&lt;ReplicateModel Include="models/flux-schnell.json" /&gt;</c> gives <c>FluxSchnell.Model</c>). Pass it to
/// <see cref="ReplicateClient.RunAsync{TInput, TOutput}"/>, <see cref="ReplicateClient.StreamTextAsync{TInput, TOutput}"/>
/// or <see cref="PredictionsClient.CreateAsync{TInput, TOutput}"/>. Inputs are checked against the schema before anything
/// is sent, and written by generated code, so typed calls need no reflection.
/// </summary>
/// <typeparam name="TInput">The generated input record.</typeparam>
/// <typeparam name="TOutput">The output: a <see cref="FileOutput"/>, a list of them, text, a generated record, or JSON.</typeparam>
public abstract class ReplicateModel<TInput, TOutput>
{
    private readonly Lazy<InputSchema> _schema;

    /// <summary>Initializes a descriptor; generated code calls this.</summary>
    /// <param name="owner">The model's owner.</param>
    /// <param name="name">The model's name.</param>
    /// <param name="version">The pinned version id.</param>
    /// <param name="inputSchema">The model's <c>Input</c> schema and the schemas it references, as JSON (<c>{"Input": ..., "Name": ...}</c>).</param>
    /// <param name="streamsText">Whether the output is text streamed token by token (a concatenated iterator).</param>
    protected ReplicateModel(string owner, string name, string version, string inputSchema, bool streamsText)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        Identifier = ModelIdentifier.Create(owner, name, version);
        InputSchemaJson = inputSchema;
        StreamsText = streamsText;
        _schema = new Lazy<InputSchema>(() => InputSchema.Parse(inputSchema, Identifier.ToString()));
    }

    /// <summary>Gets the model and its pinned version, <c>owner/name:version</c>.</summary>
    public ModelIdentifier Identifier { get; }

    /// <summary>Gets whether the output is text that <see cref="ReplicateClient.StreamTextAsync{TInput, TOutput}"/> streams token by token.</summary>
    public bool StreamsText { get; }

    /// <summary>Gets the input schema the generator embedded, as JSON.</summary>
    public string InputSchemaJson { get; }

    /// <summary>Gets the parsed schema, for validation.</summary>
    internal InputSchema Schema => _schema.Value;

    /// <summary>Returns <c>owner/name:version</c>.</summary>
    /// <returns>The identifier.</returns>
    public override string ToString() => Identifier.ToString();

    /// <summary>Writes <paramref name="input"/> (what the SDK calls; generated code implements <see cref="WriteInput"/>).</summary>
    internal void Write(Utf8JsonWriter writer, TInput input, Func<FileInput, string> urlOf) => WriteInput(writer, input, urlOf);

    /// <summary>Reads a finished prediction's output (what the SDK calls; generated code implements <see cref="ReadOutput"/>).</summary>
    internal TOutput Read(PredictionOutput output) => ReadOutput(output);

    /// <summary>Writes <paramref name="input"/> as the model's JSON input object; generated code implements it.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="input">The input.</param>
    /// <param name="urlOf">The string to write for a file value (its URL, or a placeholder the SDK replaces after uploading).</param>
    protected abstract void WriteInput(Utf8JsonWriter writer, TInput input, Func<FileInput, string> urlOf);

    /// <summary>Reads a finished prediction's output; generated code implements it.</summary>
    /// <param name="output">The output.</param>
    /// <returns>The typed output.</returns>
    protected abstract TOutput ReadOutput(PredictionOutput output);
}
