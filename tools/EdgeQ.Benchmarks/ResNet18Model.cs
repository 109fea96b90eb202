using System.Reflection;

namespace EdgeQ.Benchmarks;

/// <summary>
/// Where the real ImageNet ResNet18 lives: NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 (ONNX inside, no
/// classifier head), downloaded into the NuGet cache by a PackageDownload of the project that compiles this file. The
/// benchmark owns it; the host tests link it, so the package layout is written down once.
/// </summary>
internal static class ResNet18Model
{
    public const string InputName = "Input247";

    /// <summary>The ONNX file under the NuGet cache the compiling project restored into (it may not exist yet).</summary>
    public static string OnnxPath
    {
        get
        {
            string root = typeof(ResNet18Model).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "NuGetPackageRoot").Value!;
            return Path.GetFullPath(Path.Combine(root, "microsoft.ml.dnnimagefeaturizer.resnet18", "0.23.1", "tools", "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx"));
        }
    }
}
