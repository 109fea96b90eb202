using System.Diagnostics;
using EdgeQ.Format;
using EdgeQ.Host.Calibration;
using EdgeQ.Host.ModelZoo;
using EdgeQ.Host.Onnx;
using EdgeQ.Host.Packing;
using EdgeQ.Host.Transforms;

// Prepares what tools/arm-bench/run.sh counts: per model the float ONNX file, its .eqm (calibrated on 64 ImageNet
// samples, no bias correction: the instruction count does not depend on it) and a fixed int8 input for edgeq-run.
// Usage: arm-bench-prep OUTDIR SHARED_DIR MODEL...   Prints one line per model: name, onnx, eqm, input, MACs (tab-separated).
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: arm-bench-prep OUTDIR SHARED_DIR MODEL...   (models: mobilenet_v1_0.25, mobilenet_v2_1.0)");
    return 2;
}
string outDir = Path.GetFullPath(args[0]);
string sharedDir = Path.GetFullPath(args[1]);
Directory.CreateDirectory(outDir);
int[] inputShape = [1, 3, 224, 224];
string[] knownModels = ["mobilenet_v1_0.25", "mobilenet_v2_1.0"];
if (args[2..].FirstOrDefault(name => !knownModels.Contains(name)) is { } unknown)
{
    Console.Error.WriteLine($"arm-bench-prep: unknown model '{unknown}' (models: {string.Join(", ", knownModels)})");
    return 2;
}

foreach (string name in args[2..])
{
    (string onnxPath, string inputName) = name switch
    {
        "mobilenet_v1_0.25" => (Path.Combine(sharedDir, "data", "models", "mobilenet_v1_0.25_224.onnx"), "input"),
        "mobilenet_v2_1.0" => (WriteIfChanged(Path.Combine(outDir, "mobilenet_v2_1.0_224-seed1.onnx"), ArchitectureModels.MobileNetV2(1)),
            ArchitectureModels.InputName),
        _ => throw new UnreachableException(name),
    };
    var graph = GraphOptimizer.Load(onnxPath, new ImportOptions { InputShapes = new Dictionary<string, int[]> { [inputName] = inputShape } });
    long macs = graph.TotalMacs;
    var images = ImageCalibrationData.FindImages(Path.Combine(sharedDir, "data", "imagenet-samples"), 64);
    var calibration = new ImageCalibrationData(images, PreprocessingPresets.SymmetricUnit, graph.Inputs[0].Shape);
    var packed = ModelPacker.Pack(graph, calibration,
        new PackOptions { Preprocessing = PreprocessingPresets.SymmetricUnit, BiasCorrection = BiasCorrectionMethod.None });
    string eqmPath = Path.Combine(outDir, name + ".eqm");
    EqmWriter.WriteFile(packed.Model, eqmPath);

    // Seeded bytes: the int8 kernels' instruction count does not depend on the values, but every run sees the same ones.
    var input = new byte[Shapes.ElementCount(packed.Model.Tensors[packed.Model.Input.Tensor].Shape.AsSpan())];
    new Random(7).NextBytes(input);
    string inputPath = Path.Combine(outDir, name + ".input.bin");
    File.WriteAllBytes(inputPath, input);
    Console.WriteLine(string.Join('\t', name, onnxPath, eqmPath, inputPath, macs));
}
return 0;

static string WriteIfChanged(string path, byte[] bytes)
{
    if (!File.Exists(path) || !File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes)) File.WriteAllBytes(path, bytes);
    return path;
}
