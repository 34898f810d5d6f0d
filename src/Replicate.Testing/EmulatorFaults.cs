namespace Replicate.Testing;

/// <summary>
/// The faults waiting to be injected into requests. The first registered fault that matches a request applies
/// to it and uses up one of its <see cref="EmulatorFault.Times"/>. Thread-safe.
/// </summary>
public sealed class EmulatorFaults
{
    private readonly List<(EmulatorFault Fault, int Remaining)> _faults = [];
    private readonly object _gate = new();

    internal EmulatorFaults()
    {
    }

    /// <summary>The number of faults still waiting.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _faults.Count;
            }
        }
    }

    /// <summary>Adds a fault after those already registered.</summary>
    /// <param name="fault">The fault.</param>
    public void Add(EmulatorFault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        ArgumentOutOfRangeException.ThrowIfLessThan(fault.Times, 1, nameof(fault));
        ArgumentNullException.ThrowIfNull(fault.PathPrefix, nameof(fault));
        lock (_gate)
        {
            _faults.Add((fault, fault.Times));
        }
    }

    /// <summary>Removes every waiting fault.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _faults.Clear();
        }
    }

    internal EmulatorFault? TryTake(string method, string path)
    {
        lock (_gate)
        {
            for (var i = 0; i < _faults.Count; i++)
            {
                var (fault, remaining) = _faults[i];
                if ((fault.Method is null || string.Equals(fault.Method, method, StringComparison.OrdinalIgnoreCase))
                    && path.StartsWith(fault.PathPrefix, StringComparison.Ordinal))
                {
                    if (remaining <= 1)
                    {
                        _faults.RemoveAt(i);
                    }
                    else
                    {
                        _faults[i] = (fault, remaining - 1);
                    }

                    return fault;
                }
            }

            return null;
        }
    }
}
