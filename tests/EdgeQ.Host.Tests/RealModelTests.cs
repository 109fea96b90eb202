using System.Diagnostics;
using EdgeQ.Host.Imaging;
using EdgeQ.Host.Ir;
using EdgeQ.Host.Onnx;
using EdgeQ.Host.Reference;
using EdgeQ.Host.Transforms;
using EdgeQ.Benchmarks;
using Xunit.Abstractions;

namespace EdgeQ.Host.Tests;

/// <summary>ResNet18 (NuGet) and the PaddleOCR det/rec/cls models (npm) against ONNX Runtime on a few inputs each.</summary>
public sealed class RealModelTests(ITestOutputHelper output)
{
    /// <summary>The NuGet ResNet18 (tools/EdgeQ.Benchmarks/ResNet18Model.cs), restored by this project's PackageDownload.</summary>
    internal static string ResNet18Path => File.Exists(ResNet18Model.OnnxPath) ? ResNet18Model.OnnxPath
        : throw new FileNotFoundException($"{ResNet18Model.OnnxPath} is missing: `dotnet restore` downloads it (PackageDownload in EdgeQ.Host.Tests.csproj)");

    private static string Ocr(string file) => TestData.FetchedModel(Path.Combine("ocr-models", "assets", file));

    /// <summary>Real photos, caffe-style (pixel - 117), as the featurizer's own preprocessing model does roughly.</summary>
    private static IEnumerable<TensorData> Photos(int count, int size) =>
        Directory.GetFiles(TestData.ImageNetSamples, "*.jpg").Order(StringComparer.Ordinal).Take(count)
            .Select(f => new ImagePreprocessor { CropSize = size, ResizeShorterSide = Math.Max(256, size), Scale = 1f, Offset = -117f }.Load(f, Layout.Plain));

    private static IEnumerable<TensorData> RandomInputs(int count, int[] shape) =>
        Enumerable.Range(0, count).Select(seed => TestData.RandomTensor(shape, seed));

    [Fact]
    public void ResNet18MatchesOnnxRuntime() =>
        CompareWithOnnxRuntime("ResNet18", ResNet18Path, ResNet18Model.InputName, Photos(4, 224).ToList());

    [Fact]
    public void PaddleOcrDetectionMatchesOnnxRuntime() =>
        CompareWithOnnxRuntime("PP-OCRv4 det", Ocr("ch_PP-OCRv4_det_infer.onnx"), "x", [TextPage(320, 320)]);

    [Fact]
    public void PaddleOcrRecognitionMatchesOnnxRuntime() =>
        CompareWithOnnxRuntime("PP-OCRv4 rec", Ocr("ch_PP-OCRv4_rec_infer.onnx"), "x", RandomInputs(2, [1, 3, 48, 320]).ToList());

    [Fact]
    public void PaddleOcrClassifierMatchesOnnxRuntime() =>
        CompareWithOnnxRuntime("PP-OCR mobile v2 cls", Ocr("ch_ppocr_mobile_v2.0_cls_infer.onnx"), "x", RandomInputs(4, [1, 3, 48, 192]).ToList());

    // 5x7 bitmap glyphs: enough lines of "text" for the detector to respond strongly (photos without text give ~0).
    private static readonly Dictionary<char, string[]> Glyphs = new()
    {
        ['E'] = ["#####", "#....", "#....", "####.", "#....", "#....", "#####"],
        ['D'] = ["####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####."],
        ['G'] = [".####", "#....", "#....", "#.###", "#...#", "#...#", ".###."],
        ['Q'] = [".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"],
        ['2'] = [".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"],
        ['6'] = [".###.", "#....", "#....", "####.", "#...#", "#...#", ".###."],
    };

    /// <summary>Dark text lines on a light page, normalised as PaddleOCR does ((x/255 - 0.45) / 0.225), NCHW.</summary>
    internal static TensorData TextPage(int height, int width)
    {
        var page = new float[height, width];
        for (int y = 0; y < height; y++) for (int x = 0; x < width; x++) page[y, x] = 1f;
        const string text = "EDGEQ 2026 EDGE";
        const int scale = 3, line = 40;
        for (int top = 20; top + 7 * scale < height; top += line)
            for (int i = 0; i < text.Length && 10 + (i + 1) * 6 * scale < width; i++)
                if (Glyphs.TryGetValue(text[i], out var glyph))
                    for (int gy = 0; gy < 7 * scale; gy++)
                        for (int gx = 0; gx < 5 * scale; gx++)
                            if (glyph[gy / scale][gx / scale] == '#') page[top + gy, 10 + i * 6 * scale + gx] = 0f;
        var values = new float[3 * height * width];
        for (int c = 0; c < 3; c++) for (int y = 0; y < height; y++) for (int x = 0; x < width; x++)
            values[(c * height + y) * width + x] = (page[y, x] - 0.45f) / 0.225f;
        return TensorData.FromFloats([1, 3, height, width], values);
    }

    private void CompareWithOnnxRuntime(string name, string path, string inputName, IReadOnlyList<TensorData> samples)
    {
        var clock = Stopwatch.StartNew();
        var graph = GraphOptimizer.Load(path, new ImportOptions { InputShapes = new Dictionary<string, int[]> { [inputName] = samples[0].Shape } });
        var executor = new FloatExecutor(graph);
        using var oracle = new OrtOracle(path);
        var worst = new Difference(0, 0);
        foreach (var sample in samples)
        {
            var feeds = new Dictionary<string, TensorData> { [inputName] = sample };
            var ours = OnnxLayout.Run(executor, feeds);
            foreach (var (outputName, expected) in oracle.Run(feeds))
            {
                Assert.Equal(expected.Shape, ours[outputName].Shape);
                worst = worst.Max(Difference.Of(ours[outputName].Floats, expected.Floats));
            }
        }
        output.WriteLine($"{name}: {samples.Count} inputs {Shapes.Format(samples[0].Shape)}, {graph.Nodes.Count} IR nodes, " +
            $"{graph.TotalMacs / 1e6:F1} M MACs; outputs vs ONNX Runtime: {worst}; {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(worst.MaxRelative < 1e-4, $"{name} differs from ONNX Runtime: {worst}");
    }
}
