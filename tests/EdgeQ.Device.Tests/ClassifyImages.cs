using EdgeQ.Tests;
using System.IO.Compression;
using System.Text;

namespace EdgeQ.Device.Tests;

/// <summary>The ImageNet sample photos with their labels, the packed real MobileNetV1-0.25 as a file, and lossless
/// re-encodings (PNG, PPM) of a decoded photo for the classify tests.</summary>
public static class ClassifyImages
{
    public static readonly string Photos = Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "data", "imagenet-samples"));

    /// <summary>Every 50th photo of the 1000 (one per class), with its class index from labels.tsv.</summary>
    public static IReadOnlyList<(string File, int ClassIndex)> Sample(int count) =>
        [.. File.ReadLines(Path.Combine(Photos, "labels.tsv")).Skip(1)
            .Select(line => line.Split('\t'))
            .Select(f => (Path.Combine(Photos, f[0]), int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture)))
            .Where((_, i) => i % (1000 / count) == 0)
            .Take(count)];

    /// <summary>A fresh directory holding model.eqm, the packed real MobileNetV1-0.25 (no labels: classes print as indices).</summary>
    public static string ModelDirectory()
    {
        string directory = Directory.CreateTempSubdirectory("edgeq-classify-").FullName;
        File.WriteAllBytes(Path.Combine(directory, "model.eqm"), RealModelFiles.MobileNetV1Model);
        return directory;
    }

    public static byte[] Ppm(int width, int height, byte[] rgb) =>
        [.. Encoding.ASCII.GetBytes($"P6\n# written by the classify tests\n{width} {height}\n255\n"), .. rgb];

    /// <summary>An 8-bit RGB PNG, filter 0 on every row, zlib-compressed: enough for a decoder test.</summary>
    public static byte[] Png(int width, int height, byte[] rgb)
    {
        var raw = new MemoryStream();
        using (var zlib = new ZLibStream(raw, CompressionLevel.Fastest, leaveOpen: true))
            for (int y = 0; y < height; y++)
            {
                zlib.WriteByte(0);
                zlib.Write(rgb, y * width * 3, width * 3);
            }
        var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        WriteChunk(png, "IHDR", [.. BigEndian(width), .. BigEndian(height), 8, 2, 0, 0, 0]);
        WriteChunk(png, "IDAT", raw.ToArray());
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void WriteChunk(Stream png, string type, byte[] data)
    {
        byte[] typeAndData = [.. Encoding.ASCII.GetBytes(type), .. data];
        png.Write(BigEndian(data.Length));
        png.Write(typeAndData);
        png.Write(BigEndian((int)Crc32(typeAndData)));
    }

    private static byte[] BigEndian(int value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    private static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }
}
