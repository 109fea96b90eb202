using System.Diagnostics;
using System.Runtime.InteropServices;
using EdgeQ.CommandLine;
using EdgeQ.Format;
using EdgeQ.Runtime;

namespace EdgeQ.Device.Commands;

/// <summary><c>edgeq-run run MODEL.eqm --input IN.bin --output OUT.bin</c>: raw input tensor in, raw output bytes out,
/// so outputs can be compared byte for byte across machines and kernel variants.</summary>
public static class RunCommand
{
    public static readonly CommandSpec Spec = new(
        "run",
        "Run a model on a raw input tensor and write the raw output bytes",
        [
            new OptionSpec("--input", "Raw input tensor: the model's input type (int8/uint8), NHWC, exactly its size", "IN.bin"),
            new OptionSpec("--output", "Raw output bytes: every output in order, concatenated (a float output as the 8-bit tensor it is computed from)", "OUT.bin"),
            ModelOptions.Threads,
            ModelOptions.Kernels,
            new OptionSpec("--repeat", "Run N times (same output; prints the fastest time)", "N"),
        ],
        [ModelOptions.Model],
        Run);

    private static int Run(ParsedCommand parsed, TextWriter output)
    {
        string inputPath = parsed.Value("--input") ?? throw new UsageException("--input IN.bin is required. See 'edgeq-run run --help'.");
        string outputPath = parsed.Value("--output") ?? throw new UsageException("--output OUT.bin is required. See 'edgeq-run run --help'.");
        int repeat = parsed.IntValue("--repeat", 1, 1, 1_000_000);
        using InferenceModel model = ModelOptions.Open(parsed);
        byte[] input = File.ReadAllBytes(inputPath);
        if (input.Length != model.Input.Bytes)
            throw new UsageException($"{inputPath} holds {input.Length} bytes; the model's input is {model.Input.ElementType} " +
                                     $"{Shapes.Format(model.Input.Shape.AsSpan())} = {model.Input.Bytes} bytes");

        var result = new byte[model.OutputBytes];
        TimeSpan fastest = TimeSpan.MaxValue;
        for (int i = 0; i < repeat; i++)
        {
            long start = Stopwatch.GetTimestamp();
            model.Run(MemoryMarshal.Cast<byte, sbyte>(input), MemoryMarshal.Cast<byte, sbyte>(result.AsSpan()));
            TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
            if (elapsed < fastest) fastest = elapsed;
        }
        AtomicFile.WriteAllBytes(outputPath, result);

        output.WriteLine($"kernels: {ModelOptions.DescribeKernels(model.Kernels)}, threads {model.Threads}");
        var written = new string[model.Outputs.Count];
        for (int i = 0; i < written.Length; i++)
        {
            OutputSpec o = model.Outputs[i];
            written[i] = $"{o.Tensor.Name} {o.Tensor.ElementType} {Shapes.Format(o.Tensor.Shape.AsSpan())} at {o.Offset}";
        }
        output.WriteLine($"wrote {result.Length} bytes to {outputPath}: {string.Join(", ", written)}");
        output.WriteLine($"{repeat} run(s), fastest {fastest.TotalMilliseconds:F3} ms");
        return CommandErrors.Success;
    }
}
