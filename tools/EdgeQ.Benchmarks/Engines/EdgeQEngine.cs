using EdgeQ.Host.Quantization;
using EdgeQ.Runtime;

namespace EdgeQ.Benchmarks.Engines;

/// <summary>
/// EdgeQ's int8 runtime (InferenceModel, this CPU's best kernels) on the packed .eqm. The benchmark's float NCHW input
/// is quantized and laid out NHWC once at load, as a camera pipeline hands the device an int8 frame; a run is one
/// inference into a preallocated output.
/// </summary>
internal sealed class EdgeQEngine : IEngine
{
    public string Key => EngineCatalog.EdgeQInt8;
    public string Title => "EdgeQ int8";

    public string? Unavailable(BenchmarkModel model) => model.EqmPath is null ? model.Int8Unsupported : null;

    public IEngineSession Load(BenchmarkModel model, int threads) => new Session(OpenModel(model, threads), model);

    public static InferenceModel OpenModel(BenchmarkModel model, int threads) =>
        InferenceModel.Open(model.EqmPath!, new InferenceOptions(Threads: threads));

    /// <summary>The benchmark input (NCHW float) as the model's int8 NHWC input.</summary>
    public static sbyte[] QuantizedInput(BenchmarkModel model, TensorSpec input)
    {
        var quantization = new AffineQuantization(input.Scale, input.ZeroPoint);
        int channels = model.InputShape[1], pixels = model.InputShape[2] * model.InputShape[3];
        var bytes = new sbyte[input.Bytes];
        for (int c = 0; c < channels; c++)
            for (int p = 0; p < pixels; p++)
                bytes[p * channels + c] = (sbyte)quantization.Quantize(model.Input[c * pixels + p]);
        return bytes;
    }

    private sealed class Session(InferenceModel inference, BenchmarkModel model) : IEngineSession
    {
        private readonly sbyte[] input = QuantizedInput(model, inference.Input);
        private readonly sbyte[] output = new sbyte[inference.OutputBytes];

        public void Run() => inference.Run(input, output);

        public void Dispose() => inference.Dispose();
    }
}
