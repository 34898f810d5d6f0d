using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;

namespace System.Runtime.CompilerServices
{
    /// <summary>Lets netstandard2.0 code use <c>init</c> and records.</summary>
    internal static class IsExternalInit
    {
    }
}

namespace Replicate.Generators
{
    /// <summary>An immutable array compared by its items, so specs made from equal files are equal and the pipeline stops.</summary>
    internal readonly struct EquatableArray<T>(ImmutableArray<T> items) : IEquatable<EquatableArray<T>>, IEnumerable<T>
        where T : IEquatable<T>
    {
        private readonly ImmutableArray<T> _items = items;

        public int Count => _items.IsDefault ? 0 : _items.Length;

        public T this[int index] => _items[index];

        public bool Equals(EquatableArray<T> other) => this.SequenceEqual(other);

        public override bool Equals(object? obj) => obj is EquatableArray<T> other && Equals(other);

        public override int GetHashCode()
        {
            var hash = 17;
            foreach (var item in this)
            {
                hash = (hash * 31) + item.GetHashCode();
            }

            return hash;
        }

        public IEnumerator<T> GetEnumerator() => (_items.IsDefault ? ImmutableArray<T>.Empty : _items).AsEnumerable().GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    internal static class EquatableArray
    {
        public static EquatableArray<T> ToEquatableArray<T>(this IEnumerable<T> items)
            where T : IEquatable<T> => new(items.ToImmutableArray());
    }

    /// <summary>What a C# member of the generated code holds.</summary>
    internal enum ValueKind
    {
        String,
        Integer,
        Number,
        Boolean,
        File,
        Enum,
        Array,
        Record,
        Json,
    }

    /// <summary>A type in the generated code: a primitive, a generated enum or record (by name), a list, or raw JSON.</summary>
    internal sealed record TypeSpec(ValueKind Kind, string? Name = null, TypeSpec? Items = null)
    {
        public static readonly TypeSpec Json = new(ValueKind.Json);

        /// <summary>The C# type, without nullability.</summary>
        public string CSharp(bool output) => Kind switch
        {
            ValueKind.String => "string",
            ValueKind.Integer => "long",
            ValueKind.Number => "double",
            ValueKind.Boolean => "bool",
            ValueKind.File => output ? "global::Replicate.FileOutput" : "global::Replicate.FileInput",
            ValueKind.Enum or ValueKind.Record => Name!,
            ValueKind.Array => $"global::System.Collections.Generic.IReadOnlyList<{Items!.CSharp(output)}>",
            _ => "global::System.Text.Json.JsonElement",
        };

        /// <summary>Whether the C# type is a value type (so an optional one needs <c>?</c> to be absent).</summary>
        public bool IsValueType => Kind is ValueKind.Integer or ValueKind.Number or ValueKind.Boolean or ValueKind.Enum or ValueKind.Json;
    }

    /// <summary>One property of an input or output record.</summary>
    internal sealed record PropertySpec(
        string WireName,
        string Name,
        TypeSpec Type,
        bool Required,
        string? Documentation);

    /// <summary>A string or integer enum: a struct with one static member per known value.</summary>
    internal sealed record EnumSpec(string Name, bool IsInteger, EquatableArray<EnumMemberSpec> Members, string? Documentation);

    internal sealed record EnumMemberSpec(string Name, string Value);

    /// <summary>A generated record (the input, or an object in the output).</summary>
    internal sealed record RecordSpec(string Name, EquatableArray<PropertySpec> Properties, string? Documentation);

    /// <summary>Everything the emitter needs for one model file: strings, numbers and arrays only, no symbols or syntax.</summary>
    internal sealed record ModelSpec(
        string HintName,
        string Namespace,
        string ClassName,
        string Owner,
        string Name,
        string Version,
        string? Description,
        string SourceFile,
        RecordSpec Input,
        EquatableArray<RecordSpec> OutputRecords,
        EquatableArray<EnumSpec> Enums,
        TypeSpec Output,
        bool StreamsText,
        string InputSchemaJson);
}
