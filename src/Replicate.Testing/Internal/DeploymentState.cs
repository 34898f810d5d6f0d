using System.Text.Json;

namespace Replicate.Testing.Internal;

/// <summary>One release of a deployment: what it runs and how it scales. Immutable; a change makes the next one.</summary>
internal sealed record DeploymentRelease(
    int Number,
    string Model,
    string Version,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    string Hardware,
    int MinInstances,
    int MaxInstances);

/// <summary>A deployment (the spec's <c>schemas_deployment_response</c>): a name and its current release.</summary>
internal sealed class DeploymentState
{
    private DeploymentRelease _current;

    public DeploymentState(string owner, string name, long ordinal, DeploymentRelease first)
    {
        Owner = owner;
        Name = name;
        FullName = owner + "/" + name;
        Ordinal = ordinal;
        _current = first;
    }

    public string Owner { get; }

    public string Name { get; }

    public string FullName { get; }

    /// <summary>Creation order, for newest-first lists.</summary>
    public long Ordinal { get; }

    public DeploymentRelease Current => Volatile.Read(ref _current);

    /// <summary>
    /// Applies a change as a new release numbered one higher, unless it changes nothing (then the current release
    /// stays, as Replicate makes a release only for a change). Atomic against concurrent updates.
    /// </summary>
    public DeploymentRelease Update(Func<DeploymentRelease, DeploymentRelease> change)
    {
        while (true)
        {
            var current = Current;
            var changed = change(current);
            if (changed with { Number = current.Number, CreatedAt = current.CreatedAt, CreatedBy = current.CreatedBy } == current)
            {
                return current;
            }

            var next = changed with { Number = current.Number + 1 };
            if (Interlocked.CompareExchange(ref _current, next, current) == current)
            {
                return next;
            }
        }
    }

    public void WriteJson(Utf8JsonWriter writer)
    {
        var release = Current;
        writer.WriteStartObject();
        writer.WriteString("owner", Owner);
        writer.WriteString("name", Name);
        writer.WriteStartObject("current_release");
        writer.WriteNumber("number", release.Number);
        writer.WriteString("model", release.Model);
        writer.WriteString("version", release.Version);
        WireFormat.WriteTimestamp(writer, "created_at", release.CreatedAt);
        writer.WriteStartObject("created_by");
        writer.WriteString("type", "user");
        writer.WriteString("username", release.CreatedBy);
        writer.WriteEndObject();
        writer.WriteStartObject("configuration");
        writer.WriteString("hardware", release.Hardware);
        writer.WriteNumber("min_instances", release.MinInstances);
        writer.WriteNumber("max_instances", release.MaxInstances);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
