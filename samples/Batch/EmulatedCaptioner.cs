using System.Buffers.Binary;
using System.Globalization;
using Replicate.Testing;

namespace BatchSample;

/// <summary>
/// A stand-in for a captioning model, registered on the emulator when there is no API token: it reads the image it is
/// given (a <c>data:</c> URI or an uploaded file, as a real model would) and describes its size and format.
/// </summary>
public static class EmulatedCaptioner
{
    /// <summary>The model name it is registered under.</summary>
    public const string Model = "acme/captioner";

    /// <summary>Registers the model.</summary>
    /// <param name="emulator">The emulator.</param>
    public static void Register(ReplicateEmulator emulator) =>
        emulator.AddModel(Model, async (input, context) =>
        {
            var url = input.GetProperty("image").GetString() ?? throw new ModelFailedException("image is required");
            await using var stream = context.OpenInputFile(url);
            using var bytes = new MemoryStream();
            await stream.CopyToAsync(bytes, context.CancellationToken);
            await context.DelayAsync(TimeSpan.FromMilliseconds(100));   // a model takes a moment
            return Describe(bytes.GetBuffer().AsSpan(0, (int)bytes.Length));
        });

    private static string Describe(ReadOnlySpan<byte> data) =>
        data.Length >= 24 && data[1] == (byte)'P' && data[2] == (byte)'N' && data[3] == (byte)'G'
                ? string.Create(CultureInfo.InvariantCulture, $"a {BinaryPrimitives.ReadInt32BigEndian(data[16..])}x{BinaryPrimitives.ReadInt32BigEndian(data[20..])} picture ({data.Length:N0} bytes of PNG)")
                : string.Create(CultureInfo.InvariantCulture, $"an image of {data.Length:N0} bytes");
}
