namespace Replicate.Testing;

/// <summary>A model registered with a <see cref="ReplicateEmulator"/>.</summary>
public sealed class EmulatorModel
{
    internal EmulatorModel(string owner, string name, string versionId)
    {
        Owner = owner;
        Name = name;
        VersionId = versionId;
    }

    /// <summary>The user or organization that owns the model (the part before <c>/</c>).</summary>
    public string Owner { get; }

    /// <summary>The model name (the part after <c>/</c>).</summary>
    public string Name { get; }

    /// <summary>The id of the model's only version: 64 lowercase hexadecimal characters.</summary>
    public string VersionId { get; }

    /// <summary>Returns <c>owner/name</c>.</summary>
    /// <returns>The model's full name.</returns>
    public override string ToString() => Owner + "/" + Name;
}
