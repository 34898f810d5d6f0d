using System.Security.Cryptography;
using System.Text;

namespace Replicate.Testing.Internal;

/// <summary>
/// Draws the demo image model's pictures: a diagonal gradient with translucent discs, all derived from a hash of
/// the prompt and seed, so the same request always yields the same bytes and different prompts look different.
/// </summary>
internal static class DemoImage
{
    public static byte[] DrawPng(string prompt, long seed, int width, int height)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(prompt + "\n" + seed.ToString(System.Globalization.CultureInfo.InvariantCulture)), hash);

        var pixels = new byte[width * height * 3];
        var discs = new (int X, int Y, int R2, byte Red, byte Green, byte Blue)[5];
        var shortSide = Math.Min(width, height);
        for (var i = 0; i < discs.Length; i++)
        {
            var b = hash.Slice(6 + (i * 5), 5);
            var radius = (shortSide / 10) + (b[2] * shortSide / 640);
            discs[i] = (b[0] * width / 256, b[1] * height / 256, radius * radius, b[3], b[4], (byte)(b[3] ^ b[4]));
        }

        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                // t in [0, 256): position along the diagonal, for the two-colour gradient.
                var t = (x + y) * 256 / (width + height);
                int r = ((hash[0] * (256 - t)) + (hash[3] * t)) >> 8;
                int g = ((hash[1] * (256 - t)) + (hash[4] * t)) >> 8;
                int bl = ((hash[2] * (256 - t)) + (hash[5] * t)) >> 8;
                foreach (var d in discs)
                {
                    var dx = x - d.X;
                    var dy = y - d.Y;
                    if ((dx * dx) + (dy * dy) <= d.R2)
                    {
                        r = (r + d.Red) >> 1;
                        g = (g + d.Green) >> 1;
                        bl = (bl + d.Blue) >> 1;
                    }
                }

                var o = ((y * width) + x) * 3;
                pixels[o] = (byte)r;
                pixels[o + 1] = (byte)g;
                pixels[o + 2] = (byte)bl;
            }
        }

        return PngEncoder.Encode(width, height, pixels);
    }
}
