namespace Replicate.Testing;

/// <summary>
/// A failure to inject into matching requests (see <see cref="ReplicateEmulator.Faults"/>). A faulted request is
/// recorded but not executed: a faulted create creates no prediction.
/// </summary>
public sealed class EmulatorFault
{
    /// <summary>The HTTP method to match (case-insensitive), or <see langword="null"/> for any.</summary>
    public string? Method { get; init; }

    /// <summary>The prefix the request path must start with, e.g. <c>/v1/predictions</c>. Defaults to <c>/</c>.</summary>
    public string PathPrefix { get; init; } = "/";

    /// <summary>How many matching requests the fault applies to before it is removed. Defaults to 1.</summary>
    public int Times { get; init; } = 1;

    /// <summary>What happens to a matching request.</summary>
    public EmulatorFaultKind Kind { get; init; } = EmulatorFaultKind.Status;

    /// <summary>The status code for <see cref="EmulatorFaultKind.Status"/> and <see cref="EmulatorFaultKind.TruncatedBody"/>. Defaults to 500.</summary>
    public int StatusCode { get; init; } = 500;

    /// <summary>Extra response headers, e.g. <c>Retry-After</c>.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>The response body. Defaults to <c>{"detail":"Injected fault","status":N}</c>.</summary>
    public string? Body { get; init; }

    /// <summary>The response content type. Defaults to <c>application/problem+json</c>.</summary>
    public string? ContentType { get; init; }
}
