using System.Buffers.Binary;
using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Calibration;

/// <summary>
/// Grey uint8 images from an idx3 file (the MNIST format: magic 0x803, count, rows, cols, then pixels), each
/// zero-padded to the input size around its centre, replicated to the input's channels, then (pixel - mean) / std:
/// the preprocessing of the Fashion-MNIST fixture (models/fmnist_mobilenetv2.json).
/// </summary>
public sealed class IdxCalibrationData : ICalibrationData
{
    private readonly byte[] pixels;
    private readonly int rows, columns;
    private readonly IReadOnlyList<int> indices;
    private readonly int[] inputShape;
    private readonly float mean, std;

    /// <param name="inputShape">The graph input, NHWC [1, H, W, C] with H, W at least the image size.</param>
    /// <param name="indices">Which images, in order; null: all.</param>
    public IdxCalibrationData(string path, int[] inputShape, float mean, float std, IReadOnlyList<int>? indices = null)
    {
        var (dimensions, data) = ReadIdx(path, 0x803);
        (rows, columns) = (dimensions[1], dimensions[2]);
        if (inputShape is not [1, var height, var width, _] || height < rows || width < columns)
            throw new NotSupportedException($"idx images of {rows}x{columns} need an NHWC [1, H, W, C] input at least that large, the model has {Shapes.Format(inputShape)}");
        pixels = data;
        this.inputShape = inputShape;
        this.mean = mean;
        this.std = std;
        this.indices = indices ?? Enumerable.Range(0, dimensions[0]).ToList();
        if (this.indices.Any(i => (uint)i >= (uint)dimensions[0])) throw new ArgumentOutOfRangeException(nameof(indices), $"'{path}' holds {dimensions[0]} images");
    }

    public int Count => indices.Count;

    public TensorData Load(int index)
    {
        var (_, height, width, channels) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3]);
        int top = (height - rows) / 2, left = (width - columns) / 2, offset = indices[index] * rows * columns;
        var values = new float[height * width * channels];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int iy = y - top, ix = x - left;
                byte pixel = (uint)iy < (uint)rows && (uint)ix < (uint)columns ? pixels[offset + iy * columns + ix] : (byte)0;
                values.AsSpan((y * width + x) * channels, channels).Fill((pixel - mean) / std);
            }
        return TensorData.FromFloats(inputShape, values);
    }

    /// <summary>An idx file of unsigned bytes: its dimensions and data (idx1 labels: magic 0x801; idx3 images: 0x803).</summary>
    public static (int[] Dimensions, byte[] Data) ReadIdx(string path, int magic)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"idx file not found: {path}");
        var bytes = File.ReadAllBytes(path);
        int rank = magic & 0xFF;
        if (bytes.Length < 4 + 4 * rank || BinaryPrimitives.ReadInt32BigEndian(bytes) != magic)
            throw new InvalidDataException($"'{path}' is not an idx file of unsigned bytes with {rank} dimensions (magic 0x{magic:X})");
        var dimensions = Enumerable.Range(0, rank).Select(i => BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i))).ToArray();
        long size = dimensions.Aggregate(1L, (a, d) => a * d);
        if (bytes.Length - (4 + 4 * rank) != size) throw new InvalidDataException($"'{path}': header says {size} bytes of data, the file has {bytes.Length - (4 + 4 * rank)}");
        return (dimensions, bytes[(4 + 4 * rank)..]);
    }

    /// <summary>True when the file starts like an idx3 image file (so IMAGES arguments can be a folder, a list or idx).</summary>
    public static bool IsIdxImages(string path) => HasMagic(path, 0x803);

    /// <summary>True when the file starts like an idx1 label file.</summary>
    public static bool IsIdxLabels(string path) => HasMagic(path, 0x801);

    private static bool HasMagic(string path, int magic)
    {
        if (!File.Exists(path)) return false;
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[4];
        return stream.Read(head) == 4 && BinaryPrimitives.ReadInt32BigEndian(head) == magic;
    }
}
