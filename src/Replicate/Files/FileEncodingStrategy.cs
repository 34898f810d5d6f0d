namespace Replicate;

/// <summary>
/// How file values in a model's input (<see cref="FileInfo"/>, <see cref="Stream"/>, <c>byte[]</c>,
/// <see cref="ReadOnlyMemory{T}"/> of bytes, at any depth) are sent: Replicate inputs take files as URLs.
/// Set it per client (<see cref="ReplicateClientOptions.FileEncodingStrategy"/>) or per call
/// (<see cref="PredictionOptions.FileEncodingStrategy"/>, <see cref="TrainingOptions.FileEncodingStrategy"/>).
/// </summary>
public enum FileEncodingStrategy
{
    /// <summary>
    /// Upload every file to the Files API (<c>POST /files</c>, streamed) and send its <c>urls.get</c>. The default: it
    /// works for any size and keeps request bodies small. Uploaded files stay on the account until they expire (about 24 h).
    /// </summary>
    Upload = 0,

    /// <summary>
    /// Inline every file as a <c>data:</c> URI (base64) in the request body: no extra request and nothing stored, but
    /// the content is read into memory and grows by a third. At most 10,000,000 bytes of files per request; larger
    /// inputs fail before anything is sent (use <see cref="Upload"/>).
    /// </summary>
    DataUri = 1,

    /// <summary>
    /// Inline files of at most 256 KiB (262,144 bytes; Replicate's advice for single-use files) as <c>data:</c> URIs and
    /// upload larger ones. A stream that cannot seek has no known length, so it is always uploaded.
    /// </summary>
    Auto = 2,
}
