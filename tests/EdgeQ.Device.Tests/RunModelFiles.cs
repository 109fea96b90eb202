using EdgeQ.Format;
using EdgeQ.Format.Tests;

namespace EdgeQ.Device.Tests;

/// <summary>Test models as .eqm bytes with a seeded input tensor, for the model commands in-process and on the
/// published binaries; and running edgeq-run in-process with both streams captured.</summary>
public static class RunModelFiles
{
    public static readonly IReadOnlyDictionary<string, Func<EqmModel>> Models = new Dictionary<string, Func<EqmModel>>
    {
        ["mobilenet-like"] = TestModels.MobileNetLike,
        ["unet-like"] = TestModels.UNetLike,
        ["fashion-grey"] = TestModels.FashionGrey,
        ["mobilenet-v1-0.25-shapes"] = TestModels.MobileNetV1Quarter,
    };

    public static byte[] Bytes(string model) => EqmWriter.ToBytes(Models[model]());

    /// <summary>A seeded input of the model's input size.</summary>
    public static byte[] Input(string model)
    {
        EqmModel m = Models[model]();
        var input = new byte[(int)Shapes.ElementCount(m.Tensors[m.Input.Tensor].Shape.AsSpan())];
        new Random(model.Length).NextBytes(input);
        return input;
    }

    /// <summary>A fresh directory holding model.eqm and in.bin for <paramref name="model"/>.</summary>
    public static string Directory(string model)
    {
        string directory = System.IO.Directory.CreateTempSubdirectory("edgeq-run-cmd-").FullName;
        File.WriteAllBytes(Path.Combine(directory, "model.eqm"), Bytes(model));
        File.WriteAllBytes(Path.Combine(directory, "in.bin"), Input(model));
        return directory;
    }

    public static (int ExitCode, string Stdout, string Stderr) InProcess(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        int exitCode = DeviceApp.Run(args, stdout, stderr);
        return (exitCode, stdout.ToString(), stderr.ToString());
    }
}
