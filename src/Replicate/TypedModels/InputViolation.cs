namespace Replicate;

/// <summary>One way a model input breaks its schema.</summary>
/// <param name="Field">The input property (<c>seed</c>, or <c>images[2]</c> inside an array).</param>
/// <param name="Value">The value as JSON, or <see langword="null"/> when it is missing.</param>
/// <param name="Rule">The schema rule broken: <c>required</c>, <c>type</c>, <c>enum</c>, <c>minimum</c>, <c>maximum</c>, <c>minLength</c>, <c>maxLength</c> or <c>pattern</c>.</param>
/// <param name="Message">What is wrong, in a sentence.</param>
public sealed record InputViolation(string Field, string? Value, string Rule, string Message);
