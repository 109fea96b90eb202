using System.Diagnostics;
using EdgeQ.Format;
using EdgeQ.Runtime.Execution;
using EdgeQ.Runtime.Kernels;
using EdgeQ.Runtime.Loading;

namespace EdgeQ.Runtime;

/// <summary>Float post-processing of an output, for display only (quantization.md): the int8 bytes it starts from are
/// the result that is compared across machines.</summary>
public enum OutputPostprocess { None, Dequantize, Softmax }

/// <param name="Threads">Threads per inference, the caller's included; 0: one per core.</param>
/// <param name="Kernels">Force a kernel variant; null: the best this CPU runs.</param>
public sealed record InferenceOptions(int Threads = 0, KernelVariant? Kernels = null);

/// <summary>A tensor as the caller reads or writes it: raw bytes of <see cref="ElementType"/> (int8 or uint8), NHWC,
/// <c>real = Scale * (q - ZeroPoint)</c>.</summary>
public sealed record TensorSpec(string Name, ElementType ElementType, EquatableArray<int> Shape, float Scale, int ZeroPoint)
{
    public int Bytes => (int)Shapes.ElementCount(Shape.AsSpan());
}

/// <summary>Output <c>i</c> occupies bytes [<see cref="Offset"/>, Offset + Tensor.Bytes) of the buffer
/// <see cref="InferenceModel.Run"/> fills. A float output (Dequantize/Softmax in the file) is delivered as the 8-bit
/// tensor it is computed from; <see cref="ToFloat"/> applies the float steps (for display, not for comparison).</summary>
public sealed record OutputSpec(TensorSpec Tensor, OutputPostprocess Postprocess, EquatableArray<string> Labels, int Offset)
{
    /// <summary>Dequantizes this output's bytes (its slice of the run's output) and applies softmax over the last
    /// axis if the model asks for it.</summary>
    public void ToFloat(ReadOnlySpan<sbyte> raw, Span<float> values)
    {
        bool unsigned = Tensor.ElementType == ElementType.UInt8;
        for (int i = 0; i < Tensor.Bytes; i++)
            values[i] = Tensor.Scale * ((unsigned ? (byte)raw[i] : raw[i]) - Tensor.ZeroPoint);
        if (Postprocess == OutputPostprocess.Softmax)
            OutputFloat.Softmax(values[..Tensor.Bytes], Tensor.Shape[^1], values);
    }
}

/// <summary>One op of the file, for reports: its kind, output tensor, shapes and multiply-accumulates per run.</summary>
public sealed record LayerInfo(int Index, OpKind Kind, string Name, EquatableArray<int> InputShape, EquatableArray<int> OutputShape, long Macs);

/// <summary>An .eqm model ready to run with this CPU's kernels (or forced ones). Loading packs every weight, so the
/// file or bytes are not needed afterwards. <see cref="Run"/> allocates nothing after the first call and gives the
/// same bytes for every thread count and kernel variant. Not thread-safe: one inference at a time per instance.</summary>
public sealed class InferenceModel : IDisposable
{
    private readonly Executor _executor;
    private readonly IReadOnlyList<int> _sourceOperator;

    /// <summary>Loads from a file through a read-only memory map (weights are packed straight from it).</summary>
    public static InferenceModel Open(string path, InferenceOptions? options = null)
    {
        using var file = EqmFile.Open(path);
        return Load(file.Model, options);
    }

    public static InferenceModel Load(ReadOnlySpan<byte> bytes, InferenceOptions? options = null) => Load(EqmReader.Read(bytes), options);

    /// <summary>Loads an in-memory model, e.g. one the packer just built.</summary>
    public static InferenceModel Load(EqmModel model, InferenceOptions? options = null) => new(model, options ?? new InferenceOptions());

    private InferenceModel(EqmModel model, InferenceOptions options)
    {
        KernelTable kernels = options.Kernels is { } variant ? KernelTable.Create(variant) : KernelTable.Best;
        LoadedPlan loaded = ModelLoader.Load(model, kernels);
        _sourceOperator = loaded.SourceOperator;
        _executor = new Executor(loaded.Plan, options.Threads);

        Metadata = model.Metadata;
        Input = Spec(model, model.Input.Tensor);
        Preprocessing = model.Input.Preprocessing;
        int offset = 0;
        var outputs = new List<OutputSpec>();
        foreach (EqmOutputSpec output in model.Outputs)
        {
            var (source, postprocess) = ModelLoader.OutputSource(model, output.Tensor);
            TensorSpec spec = Spec(model, source) with { Name = model.Tensors[output.Tensor].Name };
            outputs.Add(new OutputSpec(spec, postprocess, output.Labels, offset));
            offset += spec.Bytes;
        }
        Outputs = outputs;
        OutputBytes = offset;
        var layers = new LayerInfo[model.Operators.Count];
        for (int i = 0; i < layers.Length; i++) layers[i] = Layer(model, model.Operators[i], i);
        Layers = layers;
    }

    public EqmMetadata Metadata { get; }
    public TensorSpec Input { get; }
    public ImagePreprocessing Preprocessing { get; }
    public IReadOnlyList<OutputSpec> Outputs { get; }
    /// <summary>Bytes of all outputs, concatenated in order: the size of <see cref="Run"/>'s output buffer.</summary>
    public int OutputBytes { get; }
    public IReadOnlyList<LayerInfo> Layers { get; }

    /// <summary>The kernels in use: <c>Kernels.Variant</c>, and per family <c>GemmVariant</c>, <c>DepthwiseVariant</c>, ...</summary>
    public KernelTable Kernels => _executor.Kernels;
    public int Threads => _executor.Threads;
    /// <summary>One buffer for all activations, planned by liveness.</summary>
    public int ArenaBytes => _executor.Memory.ArenaBytes;
    /// <summary>Packed weights, biases, multipliers and tables.</summary>
    public long WeightBytes => _executor.Plan.WeightBytes;

    /// <summary>Time each layer on every run (see <see cref="LayerTime"/>); costs two timestamps per op.</summary>
    public bool CollectLayerTimes
    {
        get => _executor.CollectLayerTimes;
        set => _executor.CollectLayerTimes = value;
    }

    /// <summary>Wall time of <see cref="Layers"/>[layer] in the last run (zero for ops that need no work, e.g. Reshape).</summary>
    public TimeSpan LayerTime(int layer)
    {
        TimeSpan total = TimeSpan.Zero;
        for (int op = 0; op < _sourceOperator.Count; op++)
            if (_sourceOperator[op] == layer) total += _executor.LayerTime(op);
        return total;
    }

    /// <summary>Runs one inference: <paramref name="input"/> holds <see cref="Input"/>'s bytes, <paramref name="output"/>
    /// receives every output's bytes, concatenated in order (<see cref="OutputSpec.Offset"/>).</summary>
    public void Run(ReadOnlySpan<sbyte> input, Span<sbyte> output)
    {
        if (input.Length != Input.Bytes) throw new ArgumentException($"input holds {input.Length} bytes, the model takes {Input.Bytes}", nameof(input));
        if (output.Length != OutputBytes) throw new ArgumentException($"output holds {output.Length} bytes, the model gives {OutputBytes}", nameof(output));
        CopyShifted(input, _executor.Input(0), Input.ElementType);
        _executor.Run();
        for (int i = 0; i < Outputs.Count; i++)
            CopyShifted(_executor.Output(i), output.Slice(Outputs[i].Offset, Outputs[i].Tensor.Bytes), Outputs[i].Tensor.ElementType);
    }

    public void Dispose() => _executor.Dispose();

    /// <summary>uint8 tensors run in the int8 domain (see <see cref="ModelLoader"/>): flipping the top bit subtracts or
    /// adds 128.</summary>
    private static void CopyShifted(ReadOnlySpan<sbyte> source, Span<sbyte> target, ElementType type)
    {
        if (ModelLoader.DomainShift(type) == 0)
        {
            source.CopyTo(target);
            return;
        }
        for (int i = 0; i < source.Length; i++) target[i] = (sbyte)(source[i] ^ 0x80);
    }

    private static TensorSpec Spec(EqmModel model, int tensor)
    {
        EqmTensor t = model.Tensors[tensor];
        return new TensorSpec(t.Name, t.ElementType, t.Shape, t.Quantization!.Scales[0], t.Quantization.ZeroPoints[0]);
    }

    private static LayerInfo Layer(EqmModel model, EqmOperator op, int index)
    {
        EqmTensor x = model.Tensors[op.Inputs[0]], y = model.Tensors[op.Output];
        long outputs = Shapes.ElementCount(y.Shape.AsSpan());
        // Multiply-accumulates per output value: the weight taps feeding it (transposed conv: per input value).
        long macs = op.Params switch
        {
            Conv2DParams or FullyConnectedParams => outputs * (Shapes.ElementCount(model.Tensors[op.Inputs[1]].Shape.AsSpan()) / model.Tensors[op.Inputs[1]].Shape[0]),
            DepthwiseConv2DParams p => outputs * p.Window.KernelH * p.Window.KernelW,
            TransposeConv2DParams => Shapes.ElementCount(x.Shape.AsSpan()) * (Shapes.ElementCount(model.Tensors[op.Inputs[1]].Shape.AsSpan()) / x.Shape[^1]),
            _ => 0,
        };
        return new LayerInfo(index, op.Kind, y.Name, x.Shape, y.Shape, macs);
    }
}
