using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json.Serialization;
using Microsoft.CodeAnalysis;
using Replicate;

namespace TypedModelsSweep;

/// <summary>
/// Loads the compiled sweep assembly and, per model, builds the descriptor (<c>X.Model</c>: its ModelIdentifier), parses
/// its embedded input schema as the SDK does before the first call, and puts every value of every generated enum of the
/// Input record through the SDK's validator alone (<c>{"wire_name": value}</c>): a value the generated code offers must
/// not be refused before it is sent. Internal SDK members are reached by reflection: this is a check, not an API.
/// </summary>
internal sealed class RunTimeCheck
{
    private delegate void Validate(ReadOnlySpan<byte> input);

    public int Built { get; private set; }

    public int EnumValues { get; private set; }

    public Dictionary<int, string> Failures { get; } = [];

    public Dictionary<int, List<string>> Refused { get; } = [];

    public static RunTimeCheck Run(byte[] image, Dictionary<int, GeneratedSourceResult> generated)
    {
        var check = new RunTimeCheck();
        var assembly = Assembly.Load(image);
        foreach (var (index, source) in generated.OrderBy(p => p.Key))
        {
            var typeName = source.HintName[..^".g.cs".Length];
            try
            {
                check.CheckModel(index, assembly.GetType(typeName, throwOnError: true)!);
            }
            catch (Exception ex)
            {
                var inner = ex;
                while (inner is TargetInvocationException or TypeInitializationException && inner.InnerException is not null)
                {
                    inner = inner.InnerException;
                }

                check.Failures[index] = inner.GetType().Name + ": " + inner.Message;
            }
        }

        return check;
    }

    private void CheckModel(int index, Type modelClass)
    {
        var model = modelClass.GetProperty("Model", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        var schema = model.GetType().BaseType!.GetProperty("Schema", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(model)!;
        var validate = (Validate)Delegate.CreateDelegate(typeof(Validate), schema, schema.GetType().GetMethod("Validate", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)!);
        Built++;

        var input = modelClass.GetNestedType("Input", BindingFlags.Public)!;
        foreach (var property in input.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var wire = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name;
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var known = type.DeclaringType == modelClass && type.IsValueType ? type.GetProperty("KnownValues", BindingFlags.Public | BindingFlags.Static) : null;
            if (wire is null || known?.GetValue(null) is not IEnumerable values)
            {
                continue;
            }

            foreach (var value in values)
            {
                EnumValues++;
                var raw = type.GetProperty("Value")!.GetValue(value);
                var json = new StringBuilder("{");
                json.Append(System.Text.Json.JsonSerializer.Serialize(wire)).Append(':');
                json.Append(raw is long number ? number.ToString(CultureInfo.InvariantCulture) : System.Text.Json.JsonSerializer.Serialize((string)raw!));
                json.Append('}');
                try
                {
                    validate(Encoding.UTF8.GetBytes(json.ToString()));
                }
                catch (InputValidationException ex)
                {
                    foreach (var violation in ex.Violations.Where(v => v.Field == wire && v.Rule != "required"))
                    {
                        (Refused.TryGetValue(index, out var list) ? list : Refused[index] = []).Add(violation.Message);
                    }
                }
            }
        }
    }
}
