namespace Replicate.Benchmarks.Harness;

/// <summary>Which client a measured run uses.</summary>
public enum Side
{
    /// <summary>The SDK (<see cref="ReplicateClient"/>).</summary>
    Sdk,

    /// <summary>The same HTTP exchange with a bare <see cref="HttpClient"/>, <c>JsonDocument</c> and <c>SseParser</c>.</summary>
    Baseline,
}
