namespace Replicate.Testing.Tests;

/// <summary>Tests that must not overlap with any other test (xunit runs this collection on its own).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    public const string Name = "Serial";
}
