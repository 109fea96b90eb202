using System.Security.Cryptography;
using System.Text;
using EdgeQ.Format;
using EdgeQ.Host.Calibration;
using EdgeQ.Host.Export;
using EdgeQ.Host.Ir;
using EdgeQ.Host.Packing;

namespace EdgeQ.Benchmarks;

/// <summary>A model's int8 forms: the packed .eqm and its QDQ export, or why the model does not pack.</summary>
internal sealed record Int8Model(string? EqmPath, string? QdqPath, string? Unsupported);

/// <summary>
/// Packs a benchmark model (calibrated on ImageNet photos, no bias correction: speed does not depend on it) and exports
/// it to QDQ ONNX, once: the files live in artifacts/bench-int8 (ignored by git) under a hash of everything that
/// determines them (the ONNX bytes, the calibration photos, the options and the EdgeQ.Host build), so a re-run
/// skips packing and a changed packer or exporter packs again. A model the packer rejects is cached as its message.
/// </summary>
internal static class Int8Models
{
    public const int CalibrationImages = 32;

    public static Int8Model Prepare(string name, string onnxPath, Func<Graph> loadGraph, ImagePreprocessing preprocessing, string imageFolder,
        TextWriter progress)
    {
        var images = ImageCalibrationData.FindImages(imageFolder, CalibrationImages);
        var options = new PackOptions { Preprocessing = preprocessing, CalibrationImages = CalibrationImages, BiasCorrection = BiasCorrectionMethod.None };
        string stem = Path.Combine(ModelCatalog.ArtifactsFolder, "bench-int8", $"{name}-{InputsHash(onnxPath, images, options)}");
        string eqm = stem + ".eqm", qdq = stem + ".qdq.onnx", unsupported = stem + ".unsupported.txt";
        if (File.Exists(unsupported)) return new(null, null, File.ReadAllText(unsupported));
        if (File.Exists(eqm) && File.Exists(qdq)) return new(eqm, qdq, null);

        Directory.CreateDirectory(Path.GetDirectoryName(stem)!);
        progress.WriteLine($"{name}: packing (calibration on {images.Count} photos) and exporting QDQ, cached as {Path.GetFileName(stem)}.*");
        try
        {
            var graph = loadGraph();
            var calibration = new ImageCalibrationData(images, preprocessing, graph.Inputs[0].Shape);
            var model = ModelPacker.Pack(graph, calibration, options).Model;
            QdqExporter.WriteFile(model, qdq);
            EqmWriter.WriteFile(model, eqm);   // last: its presence with the QDQ file marks a complete cache entry
            return new(eqm, qdq, null);
        }
        catch (NotSupportedException e)
        {
            File.WriteAllText(unsupported, e.Message);
            return new(null, null, e.Message);
        }
    }

    private static string InputsHash(string onnxPath, IReadOnlyList<string> images, PackOptions options)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(File.ReadAllBytes(onnxPath));
        foreach (string image in images) hash.AppendData(File.ReadAllBytes(image));
        hash.AppendData(Encoding.UTF8.GetBytes(options.ToString()));
        hash.AppendData(Encoding.UTF8.GetBytes(string.Join(",", options.Preprocessing.Mean) + string.Join(",", options.Preprocessing.Std)));
        hash.AppendData(typeof(ModelPacker).Assembly.ManifestModule.ModuleVersionId.ToByteArray());
        return Convert.ToHexStringLower(hash.GetCurrentHash())[..16];
    }
}
