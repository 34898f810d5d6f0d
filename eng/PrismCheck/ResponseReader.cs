using System.Collections;
using System.Reflection;
using System.Text.Json;

namespace PrismCheck;

/// <summary>
/// Reads every public property of what an SDK call returned, recursively. Some fields of the SDK's models are parsed
/// only on first read (a prediction's input, output, metrics and URLs), so returning from the call is not enough to
/// show that the SDK can read the response: reading every property is.
/// </summary>
internal static class ResponseReader
{
    private const int MaxDepth = 12;

    public static void ReadAll(object? value) => Read(value, 0, new HashSet<object>(ReferenceEqualityComparer.Instance));

    private static void Read(object? value, int depth, HashSet<object> seen)
    {
        if (value is null || depth > MaxDepth)
        {
            return;
        }

        switch (value)
        {
            case string or Uri or DateTimeOffset or DateTime or TimeSpan or Enum or Type or Stream:
                return;
            case JsonElement element:
                _ = element.GetRawText();
                return;
            case IEnumerable items:
                foreach (var item in items)
                {
                    Read(item, depth + 1, seen);
                }

                return;
        }

        var type = value.GetType();
        if (type.IsPrimitive || type == typeof(decimal) || (!type.IsValueType && !seen.Add(value)))
        {
            return;
        }

        if (Nullable.GetUnderlyingType(type) is not null)
        {
            return;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.GetMethod is null || property.PropertyType.IsByRefLike)
            {
                continue;
            }

            object? propertyValue;
            try
            {
                propertyValue = property.GetValue(value);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                throw new InvalidOperationException($"{type.Name}.{property.Name}: {ex.InnerException.Message}", ex.InnerException);
            }

            Read(propertyValue, depth + 1, seen);
        }
    }
}
