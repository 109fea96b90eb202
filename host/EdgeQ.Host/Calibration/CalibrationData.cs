using EdgeQ.Format;
using EdgeQ.Host.Imaging;
using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Calibration;

/// <summary>Calibration samples for a graph's single input, each loaded on demand in the graph's layout.</summary>
public interface ICalibrationData
{
    int Count { get; }
    TensorData Load(int index);
}

/// <summary>Samples already in memory (tests, synthetic graphs).</summary>
public sealed class TensorCalibrationData(IReadOnlyList<TensorData> samples) : ICalibrationData
{
    public int Count => samples.Count;
    public TensorData Load(int index) => samples[index];
}

/// <summary>Some samples of another source, by index.</summary>
public sealed class SubsetCalibrationData(ICalibrationData source, IReadOnlyList<int> indices) : ICalibrationData
{
    public int Count => indices.Count;
    public TensorData Load(int index) => source.Load(indices[index]);
}

/// <summary>
/// Image files turned into NHWC input tensors exactly as the .eqm input spec tells the device: shorter side resized
/// to round(size / crop fraction), centre crop, channel order, then (pixel - mean) / std.
/// </summary>
public sealed class ImageCalibrationData : ICalibrationData
{
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".bmp"];

    private readonly IReadOnlyList<string> paths;
    private readonly ImagePreprocessing preprocessing;
    private readonly ImagePreprocessor rawPixels;

    /// <param name="inputShape">The graph input, NHWC [1, S, S, C].</param>
    public ImageCalibrationData(IReadOnlyList<string> paths, ImagePreprocessing preprocessing, int[] inputShape)
    {
        if (inputShape is not [1, var height, var width, 3])
            throw new NotSupportedException($"calibration images need an NHWC [1, H, W, 3] input, the model has {Ir.Shapes.Format(inputShape)}");
        if (height != width)
            throw new NotSupportedException($"calibration images need a square input, the model's is {height}x{width}");
        if (preprocessing.ColorOrder == ColorOrder.Grey || preprocessing.ResizeMode != Format.ResizeMode.KeepAspectRatio)
            throw new NotSupportedException("calibration images support RGB/BGR input with keep-aspect-ratio resizing only");
        this.paths = paths;
        this.preprocessing = preprocessing;
        // Raw 0..255 pixels after resize and crop; normalisation follows per channel below.
        rawPixels = new ImagePreprocessor
        {
            ResizeShorterSide = (int)Math.Round(height / preprocessing.CropFraction, MidpointRounding.ToEven),
            CropSize = height,
            Scale = 1,
            Offset = 0,
        };
    }

    public int Count => paths.Count;

    public TensorData Load(int index)
    {
        var tensor = rawPixels.Load(paths[index], Layout.Nhwc);
        var data = tensor.Floats;
        bool bgr = preprocessing.ColorOrder == ColorOrder.Bgr;
        for (int i = 0; i < data.Length; i += 3)
        {
            if (bgr) (data[i], data[i + 2]) = (data[i + 2], data[i]);
            for (int c = 0; c < 3; c++) data[i + c] = (data[i + c] - preprocessing.Mean[c]) / preprocessing.Std[c];
        }
        return tensor;
    }

    /// <summary>
    /// The images of a folder (JPEG/PNG/BMP, sorted by name) or of a list file (one path a line, relative to the list
    /// file); with a limit, that many spread evenly over the sorted list, so a folder sorted by class is still
    /// sampled across classes.
    /// </summary>
    public static IReadOnlyList<string> FindImages(string folderOrList, int? limit = null)
    {
        List<string> all;
        if (Directory.Exists(folderOrList))
            all = Directory.EnumerateFiles(folderOrList)
                .Where(p => ImageExtensions.Contains(Path.GetExtension(p).ToLowerInvariant()))
                .Order(StringComparer.Ordinal).ToList();
        else if (File.Exists(folderOrList))
        {
            string root = Path.GetDirectoryName(Path.GetFullPath(folderOrList))!;
            all = File.ReadLines(folderOrList).Select(l => l.Trim()).Where(l => l.Length > 0)
                .Select(l => Path.GetFullPath(l, root)).ToList();
        }
        else throw new FileNotFoundException($"calibration images: '{folderOrList}' is neither a folder nor a list file");
        if (all.Count == 0) throw new InvalidDataException($"calibration images: no images in '{folderOrList}'");
        if (limit is not { } n || n >= all.Count) return all;
        if (n < 1) throw new ArgumentException($"the number of calibration images must be positive, not {n}");
        return Enumerable.Range(0, n).Select(i => all[(int)((long)i * all.Count / n)]).ToList();
    }
}
