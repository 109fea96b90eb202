using EdgeQ.Format;
using EdgeQ.Format.Tests;
using EdgeQ.Runtime.Diagnostics;
using EdgeQ.Runtime.Kernels;
using Xunit.Abstractions;

namespace EdgeQ.Runtime.Tests.Loading;

/// <summary>The format tests' models (MobileNet-like, U-Net-like with two outputs, uint8 greyscale classifier,
/// MobileNetV1-0.25 layer shapes) loaded from .eqm and run through every kernel variant and thread count.</summary>
public class LoadedModelTests(ITestOutputHelper log)
{
    private static readonly Dictionary<string, Func<EqmModel>> Models = new()
    {
        ["mobilenet-like"] = TestModels.MobileNetLike,
        ["unet-like"] = TestModels.UNetLike,
        ["fashion-grey"] = TestModels.FashionGrey,
        ["mobilenet-v1-0.25-shapes"] = TestModels.MobileNetV1Quarter,
    };

    public static TheoryData<string> ModelNames() => new(Models.Keys);

    public static TheoryData<string, string> ModelsAndVariants()
    {
        var data = new TheoryData<string, string>();
        foreach (string model in Models.Keys)
        foreach (KernelVariant variant in KernelVariants.Supported.Where(v => v != KernelVariant.Reference))
            data.Add(model, variant.Name());
        return data;
    }

    internal static sbyte[] SeededInput(InferenceModel model, ulong seed = 7) => new CaseRandom(seed).Bytes(model.Input.Bytes);

    internal static sbyte[] RunOnce(InferenceModel model, sbyte[] input)
    {
        var output = new sbyte[model.OutputBytes];
        model.Run(input, output);
        return output;
    }

    private static InferenceModel Load(string name, KernelVariant variant, int threads = 1) =>
        InferenceModel.Load(EqmWriter.ToBytes(Models[name]()), new InferenceOptions(threads, variant));

    [Theory]
    [MemberData(nameof(ModelsAndVariants))]
    public void Every_variant_gives_the_reference_bytes(string name, string variantName)
    {
        Assert.True(KernelVariants.TryParse(variantName, out KernelVariant variant));
        using InferenceModel reference = Load(name, KernelVariant.Reference);
        using InferenceModel vectorized = Load(name, variant);
        sbyte[] input = SeededInput(reference);
        sbyte[] expected = RunOnce(reference, input);
        Assert.Equal(expected, RunOnce(vectorized, input));
        // Guard against a degenerate model that would make the comparison vacuous: outputs vary with the input.
        Assert.True(expected.Distinct().Count() > 2, $"{name}: output has only {expected.Distinct().Count()} distinct values");
        Assert.NotEqual(expected, RunOnce(reference, SeededInput(reference, 8)));
        log.WriteLine($"{name} on {variant.Name()} (gemm {vectorized.Kernels.GemmVariant.Name()}, depthwise {vectorized.Kernels.DepthwiseVariant.Name()}): " +
                      $"{expected.Length} output bytes equal; arena {vectorized.ArenaBytes} B, weights {vectorized.WeightBytes} B");
    }

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void Every_thread_count_gives_the_same_bytes(string name)
    {
        using InferenceModel single = Load(name, KernelVariants.Best, threads: 1);
        sbyte[] input = SeededInput(single);
        sbyte[] expected = RunOnce(single, input);
        for (int threads = 2; threads <= 4; threads++)
        {
            using InferenceModel parallel = Load(name, KernelVariants.Best, threads);
            Assert.Equal(threads, parallel.Threads);
            Assert.Equal(expected, RunOnce(parallel, input));
        }
    }

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void Inference_allocates_nothing_after_the_first_run(string name)
    {
        using InferenceModel model = Load(name, KernelVariants.Best, threads: 3);
        model.CollectLayerTimes = true;
        sbyte[] input = SeededInput(model), output = new sbyte[model.OutputBytes];
        model.Run(input, output);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++) model.Run(input, output);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_memory_mapped_file_loads_like_bytes_and_like_the_model_object()
    {
        EqmModel model = TestModels.UNetLike();
        string path = Path.Combine(Path.GetTempPath(), $"edgeq-loader-{Guid.NewGuid():N}.eqm");
        EqmWriter.WriteFile(model, path);
        try
        {
            using InferenceModel mapped = InferenceModel.Open(path);
            using InferenceModel fromBytes = InferenceModel.Load(File.ReadAllBytes(path));
            using InferenceModel fromObject = InferenceModel.Load(model);
            sbyte[] input = SeededInput(mapped);
            sbyte[] expected = RunOnce(fromObject, input);
            Assert.Equal(expected, RunOnce(mapped, input));
            Assert.Equal(expected, RunOnce(fromBytes, input));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Specs_describe_inputs_outputs_and_layers()
    {
        using InferenceModel model = InferenceModel.Load(TestModels.MobileNetLike());
        Assert.Equal("mobilenet-like", model.Metadata.Name);
        Assert.Equal(new TensorSpec("input", ElementType.Int8, [1, 32, 32, 3], 0.0186f, -14), model.Input);
        Assert.Equal(TestModels.ImageNet, model.Preprocessing);
        Assert.Equal(KernelVariants.Best, model.Kernels.Variant);
        Assert.Equal(Environment.ProcessorCount, model.Threads);

        // Two outputs computed from the same int8 logits: raw, and softmax for display.
        Assert.Equal(2, model.Outputs.Count);
        Assert.Equal((OutputPostprocess.None, 0, "fc"), (model.Outputs[0].Postprocess, model.Outputs[0].Offset, model.Outputs[0].Tensor.Name));
        Assert.Equal((OutputPostprocess.Softmax, 10, "probabilities"), (model.Outputs[1].Postprocess, model.Outputs[1].Offset, model.Outputs[1].Tensor.Name));
        Assert.Equal(10, model.Outputs[1].Labels.Count);
        Assert.Equal(20, model.OutputBytes);

        sbyte[] output = RunOnce(model, SeededInput(model));
        Assert.Equal(output[..10], output[10..]);
        var logits = new float[10];
        var probabilities = new float[10];
        model.Outputs[0].ToFloat(output.AsSpan(0, 10), logits);
        model.Outputs[1].ToFloat(output.AsSpan(10, 10), probabilities);
        OutputSpec fc = model.Outputs[0];
        Assert.Equal(fc.Tensor.Scale * (output[3] - fc.Tensor.ZeroPoint), logits[3]);
        double expSum = logits.Sum(l => Math.Exp(l - logits.Max()));
        for (int i = 0; i < 10; i++) Assert.Equal(Math.Exp(logits[i] - logits.Max()) / expSum, probabilities[i], 5);

        LayerInfo first = model.Layers[0];
        Assert.Equal((OpKind.Conv2D, "conv1"), (first.Kind, first.Name));
        Assert.Equal(16L * 16 * 8 * (3 * 3 * 3), first.Macs);
        Assert.Equal(OpKind.DepthwiseConv2D, model.Layers[1].Kind);
        Assert.Equal(16L * 16 * 8 * 9, model.Layers[1].Macs);
        Assert.True(model.ArenaBytes > 0 && model.WeightBytes > 0);
    }

    [Fact]
    public void Layer_times_are_reported_when_asked()
    {
        using InferenceModel model = InferenceModel.Load(TestModels.MobileNetV1Quarter(), new InferenceOptions(Threads: 1));
        model.CollectLayerTimes = true;
        RunOnce(model, SeededInput(model));
        Assert.All(model.Layers.Where(l => l.Macs > 0), l => Assert.True(model.LayerTime(l.Index) > TimeSpan.Zero, l.Name));
        Assert.Equal(TimeSpan.Zero, model.LayerTime(model.Layers.Single(l => l.Kind == OpKind.Reshape).Index));
    }

    [Fact]
    public void Wrong_buffer_sizes_are_rejected()
    {
        using InferenceModel model = InferenceModel.Load(TestModels.FashionGrey());
        var e = Assert.Throws<ArgumentException>(() => model.Run(new sbyte[model.Input.Bytes - 1], new sbyte[model.OutputBytes]));
        Assert.StartsWith("input holds 783 bytes, the model takes 784", e.Message);
        Assert.Throws<ArgumentException>(() => model.Run(new sbyte[model.Input.Bytes], new sbyte[model.OutputBytes + 1]));
    }
}
