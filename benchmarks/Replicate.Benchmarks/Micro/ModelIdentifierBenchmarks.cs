using BenchmarkDotNet.Attributes;

namespace Replicate.Benchmarks.Micro;

/// <summary><see cref="ModelIdentifier.Parse"/> for each accepted form, beside a bare split that validates nothing.</summary>
[MemoryDiagnoser]
public class ModelIdentifierBenchmarks
{
    [Params("owner/name", "owner/name:version", "version")]
    public string Form { get; set; } = "owner/name";

    private string _value = string.Empty;

    [GlobalSetup]
    public void Setup() => _value = Form switch
    {
        "owner/name" => "black-forest-labs/flux-schnell",
        "owner/name:version" => "stability-ai/sdxl:" + Samples.VersionId,
        _ => Samples.VersionId,
    };

    [Benchmark(Baseline = true, Description = "IndexOf + Substring (no validation)")]
    public int NaiveSplit()
    {
        var slash = _value.IndexOf('/', StringComparison.Ordinal);
        var colon = _value.IndexOf(':', StringComparison.Ordinal);
        var owner = slash < 0 ? null : _value[..slash];
        var name = slash < 0 ? null : colon < 0 ? _value[(slash + 1)..] : _value[(slash + 1)..colon];
        var version = colon < 0 ? (slash < 0 ? _value : null) : _value[(colon + 1)..];
        return (owner?.Length ?? 0) + (name?.Length ?? 0) + (version?.Length ?? 0);
    }

    [Benchmark(Description = "ModelIdentifier.Parse")]
    public int Parse()
    {
        var id = ModelIdentifier.Parse(_value);
        return (id.Owner?.Length ?? 0) + (id.Name?.Length ?? 0) + (id.Version?.Length ?? 0);
    }
}
