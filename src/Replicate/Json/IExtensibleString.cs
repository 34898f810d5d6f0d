namespace Replicate;

/// <summary>
/// Implemented by the string-backed value types (<see cref="PredictionStatus"/>, <see cref="WebhookEventType"/>, ...)
/// whose set of values the server may extend: unknown values round-trip instead of failing to parse.
/// </summary>
/// <typeparam name="TSelf">The implementing type.</typeparam>
internal interface IExtensibleString<TSelf>
    where TSelf : struct, IExtensibleString<TSelf>
{
    /// <summary>Gets the wire value, exactly as the server sent it.</summary>
    string Value { get; }

    /// <summary>Creates a value from its wire form.</summary>
    /// <param name="value">The wire value.</param>
    /// <returns>The value.</returns>
    static abstract TSelf FromValue(string value);
}
