using System.Dynamic;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Replicate.Tests;

/// <summary>
/// The direct input writer (which spares a new process the serializer's reflection start-up) against the serializer it
/// stands in for: the same bytes for every shape it takes, and a fallback, with the serializer's output or error, for the rest.
/// </summary>
public class InputSerializerTests
{
    private enum Mode
    {
        Fast,
    }

    private sealed record Settings(string Prompt, int NumOutputs);

    public static TheoryData<string, object> Direct() => new()
    {
        { "anonymous, snake_case names, nulls left out", new { Prompt = "a fox", NumOutputs = 2, NegativePrompt = (string?)null, Seed = (int?)null, guidance = 3.5 } },
        { "dictionary keys as given, null values kept", new Dictionary<string, object?> { ["Prompt"] = "x", ["num_outputs"] = 2L, ["none"] = null } },
        { "Dictionary<string, string>", new Dictionary<string, string> { ["prompt"] = "é <b> & \"q\" \u2028 \U0001F600" } },
        { "Dictionary<string, int>", new Dictionary<string, int> { ["a"] = int.MinValue, ["b"] = int.MaxValue } },
        { "ExpandoObject", Expando() },
        { "numbers", new { d = 0.1, f = 1.5f, m = 1.10m, big = long.MaxValue, small = double.Epsilon, tiny = -0.0 } },
        { "booleans", new { yes = true, no = false } },
        { "lists and arrays", new { ints = new[] { 1, 2 }, strings = new List<string> { "a", "b" }, objects = new object?[] { 1, "x", null, new { inner = true } }, empty = Array.Empty<int>() } },
        { "nested", new { a = new { b = new Dictionary<string, object> { ["c"] = new[] { new { d = 1 } } } } } },
        { "JSON values", new { node = new JsonObject { ["k"] = new JsonArray(1, "two") }, element = JsonDocument.Parse("""{"x":[1,{"y":null}]}""").RootElement } },
    };

    public static TheoryData<string, object> Fallback() => new()
    {
        { "a record", new Settings("a", 1) },
        { "a record inside an anonymous type", new { settings = new Settings("a", 1) } },
        { "an enum", new { mode = Mode.Fast } },
        { "a short", new Dictionary<string, object> { ["n"] = (short)3 } },
        { "a date", new { at = new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero) } },
        { "a non-generic dictionary", new System.Collections.Hashtable { ["k"] = 1 } },
        { "a dictionary with int keys", new Dictionary<int, string> { [1] = "one" } },
        { "a HashSet", new { tags = new HashSet<string> { "a" } } },
        { "a Uri", new { url = new Uri("https://example.com/a.png") } },
    };

    [Theory]
    [MemberData(nameof(Direct))]
    public void DirectShapes_AreWrittenWithoutTheSerializer_ByteForByteAsItWould(string shape, object input)
    {
        Assert.True(WriteDirect(input, out var direct), shape);
        Assert.Equal(Reference(input), direct);
        Assert.Equal(Reference(input), Encoding.UTF8.GetString(InputSerializer.Serialize(input, "model input", "input", files: null).Span));
    }

    [Theory]
    [MemberData(nameof(Fallback))]
    public void OtherShapes_FallBackToTheSerializer_WhoseOutputIsSent(string shape, object input)
    {
        Assert.False(WriteDirect(input, out _), shape);
        Assert.Equal(Reference(input), Encoding.UTF8.GetString(InputSerializer.Serialize(input, "model input", "input", files: null).Span));
    }

    [Fact]
    public void WhatTheSerializerRefuses_IsRefusedWithItsMessage_AfterAPartialDirectWrite()
    {
        // The direct writer gets as far as "a" before NaN; the caller must see the serializer's error about NaN, not a half-written body.
        var nan = Assert.Throws<ArgumentException>(() => InputSerializer.Serialize(new { a = 1, b = double.NaN }, "model input", "input", files: null));
        Assert.Equal("input", nan.ParamName);

        var tooDeep = new Dictionary<string, object?>();
        var inner = tooDeep;
        for (var i = 0; i < 80; i++)
        {
            var next = new Dictionary<string, object?>();
            inner["n"] = next;
            inner = next;
        }

        var depth = Assert.Throws<ArgumentException>(() => InputSerializer.Serialize(tooDeep, "model input", "input", files: null));
        Assert.Contains("depth", depth.Message, StringComparison.OrdinalIgnoreCase);

        // A file value with nowhere to go: the serializer's converter names it.
        var file = Assert.Throws<ArgumentException>(() => InputSerializer.Serialize(new Dictionary<string, object> { ["image"] = new byte[] { 1 } }, "model input", "input", files: null));
        Assert.Contains("file", file.Message, StringComparison.Ordinal);
    }

    private static string Reference(object input) => JsonSerializer.Serialize(input, input.GetType(), InputSerializer.Options);

    private static bool WriteDirect(object input, out string json)
    {
        using var buffer = new MemoryStream();
        bool written;
        using (var writer = new Utf8JsonWriter(buffer))
        {
            written = InputSerializer.TryWriteDirect(writer, input, depth: 0);
        }

        json = Encoding.UTF8.GetString(buffer.ToArray());
        return written;
    }

    private static ExpandoObject Expando()
    {
        var expando = new ExpandoObject();
        var bag = (IDictionary<string, object?>)expando;
        bag["prompt"] = "from dynamic";
        bag["steps"] = 4;
        return expando;
    }
}
