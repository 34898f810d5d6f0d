namespace PrismCheck;

/// <summary>A violation Prism reports, parsed from its <c>sl-violations</c> header or problem+json body.</summary>
/// <param name="Location">Where, joined with dots: <c>request.query.limit</c>, <c>response.body.version</c>, <c>body.metadata</c>.</param>
/// <param name="Code">The JSON Schema keyword or Prism code (<c>oneOf</c>, <c>type</c>, ...).</param>
/// <param name="Message">Prism's message.</param>
internal sealed record Violation(string Location, string Code, string Message)
{
    /// <summary>Gets whether Prism is flagging its own generated response rather than the SDK's request.</summary>
    public bool InResponse => Location.StartsWith("response", StringComparison.Ordinal);

    public override string ToString() => $"[{Location}] {Message}";
}

/// <summary>
/// Findings that are Prism's or the spec's, not the SDK's, each with why. They are printed, never counted as
/// failures; anything not listed here fails the run. See README.md, "Conformance with Prism".
/// </summary>
internal static class KnownFindings
{
    public const string VersionOneOf =
        "spec quirk: a prediction's `version` is oneOf [string, enum \"hidden\"], and \"hidden\" matches both branches, "
        + "so the value the spec documents for official models breaks its own oneOf. Prism flags the response it generated; the SDK reads it.";

    public const string MultipartJsonPart =
        "Prism limitation: it reads every multipart part as a string and ignores the part's Content-Type, so the "
        + "`metadata` object, sent as an application/json part (the OpenAPI encoding default for an object property; "
        + "FilesTests.UploadBytes_SendsMultipartWithQuotedFilenamePartTypeAndMetadata_AndReturnsTheFile checks the part), "
        + "can never validate as an object.";

    /// <summary>The reason a violation is not the SDK's, or <see langword="null"/> when it must count as a failure.</summary>
    public static string? Explain(string operationId, Violation violation)
    {
        if (violation.InResponse && violation.Code == "oneOf" && violation.Location.EndsWith(".version", StringComparison.Ordinal))
        {
            return VersionOneOf;
        }

        if (operationId == "files.create" && violation.Location == "body.metadata" && violation.Code == "type")
        {
            return MultipartJsonPart;
        }

        return null;
    }
}
