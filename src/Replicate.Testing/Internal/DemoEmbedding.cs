using System.Security.Cryptography;
using System.Text;

namespace Replicate.Testing.Internal;

/// <summary>
/// The demo embedding model's vectors: unit-length, derived only from the text (SHA-256 in counter mode), so the same
/// text always gives the same vector, in any batch and at any position, and different texts give different ones.
/// </summary>
internal static class DemoEmbedding
{
    /// <summary>The vectors' length: all-mpnet-base-v2's.</summary>
    public const int Dimensions = 768;

    public static float[] Embed(string text)
    {
        var vector = new float[Dimensions];
        var seed = Encoding.UTF8.GetBytes(text);
        var block = new byte[seed.Length + 4];
        seed.CopyTo(block, 4);
        Span<byte> hash = stackalloc byte[32];
        double sumOfSquares = 0;
        for (var i = 0; i < Dimensions; i += 16)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(block, i);
            SHA256.HashData(block, hash);
            for (var j = 0; j < 16 && i + j < Dimensions; j++)
            {
                // Two hash bytes a component, centred on zero.
                var value = ((hash[2 * j] << 8) | hash[(2 * j) + 1]) - 32768;
                vector[i + j] = value;
                sumOfSquares += (double)value * value;
            }
        }

        var norm = Math.Sqrt(sumOfSquares);
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] = (float)(vector[i] / norm);
        }

        return vector;
    }
}
