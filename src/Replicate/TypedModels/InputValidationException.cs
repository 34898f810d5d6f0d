namespace Replicate;

/// <summary>
/// A model input breaks the model's schema; nothing was sent. <see cref="Violations"/> names every field, its value and
/// the rule it breaks, so one exception tells everything to fix.
/// </summary>
public sealed class InputValidationException : ArgumentException
{
    /// <summary>Initializes a new instance.</summary>
    public InputValidationException()
        : this("(unknown model)", [])
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public InputValidationException(string message)
        : base(message)
    {
        Model = "(unknown model)";
        Violations = [];
    }

    /// <summary>Initializes a new instance with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public InputValidationException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Model = "(unknown model)";
        Violations = [];
    }

    /// <summary>Initializes a new instance for the violations of one input.</summary>
    /// <param name="model">The model, <c>owner/name:version</c>.</param>
    /// <param name="violations">What is wrong.</param>
    public InputValidationException(string model, IReadOnlyList<InputViolation> violations)
        : base(Describe(model, violations), "input")
    {
        Model = model;
        Violations = violations;
    }

    /// <summary>Gets the model whose schema the input breaks.</summary>
    public string Model { get; }

    /// <summary>Gets every violation found.</summary>
    public IReadOnlyList<InputViolation> Violations { get; }

    private static string Describe(string model, IReadOnlyList<InputViolation> violations) =>
        $"The input for {model} breaks its schema ({violations.Count} problem{(violations.Count == 1 ? string.Empty : "s")}); nothing was sent: " +
        string.Join("; ", violations.Select(v => v.Message)) + ".";
}
