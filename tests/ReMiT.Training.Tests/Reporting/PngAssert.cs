using System.Buffers.Binary;
using SkiaSharp;

namespace ReMiT.Training.Tests.Reporting;

/// <summary>Checks that bytes are a real, decodable, non-blank PNG of the expected size.</summary>
internal static class PngAssert
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static void IsChart(byte[] png, int width = 800, int height = 500, int minColours = 3)
    {
        Assert.True(png.Length > 33, $"PNG of {png.Length} bytes is too short");
        Assert.Equal(Signature, png[..8]);
        // The first chunk must be IHDR: length 13, then width and height big-endian.
        Assert.Equal(13u, BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(8)));
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(width, (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(height, (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(20)));

        using var bitmap = SKBitmap.Decode(png);
        Assert.NotNull(bitmap);
        Assert.Equal(width, bitmap.Width);
        int colours = bitmap.Pixels.Distinct().Count();
        Assert.True(colours >= minColours, $"PNG has only {colours} distinct colours; expected a drawn chart");
    }

    public static void IsChart(string path, int width = 800, int height = 500) =>
        IsChart(File.ReadAllBytes(path), width, height);
}
