using System.Globalization;
using System.Text.Json;
using EdgeQ.CommandLine;
using EdgeQ.Format;
using EdgeQ.Runtime;
using EdgeQ.Runtime.Diagnostics;
using EdgeQ.Runtime.Kernels;

namespace EdgeQ.Device.Commands;

/// <summary><c>edgeq-run info MODEL.eqm [--json]</c>: what the model is and how it will run here.</summary>
public static class InfoCommand
{
    public static readonly CommandSpec Spec = new(
        "info",
        "Show a model's ops, input/output spec, preprocessing, memory and the kernels that will run it on this CPU",
        [new OptionSpec("--json", "Print the information as JSON"), ModelOptions.Kernels],
        [ModelOptions.Model],
        Run);

    private static int Run(ParsedCommand parsed, TextWriter output)
    {
        using InferenceModel model = ModelOptions.Open(parsed);
        if (parsed.Has("--json")) output.WriteLine(ToJson(model));
        else WriteText(model, output);
        return CommandErrors.Success;
    }

    private static string Shape(EquatableArray<int> shape) => Shapes.Format(shape.AsSpan());
    private static string Number(double value) => value.ToString("G9", CultureInfo.InvariantCulture);
    private static string List(EquatableArray<float> values)
    {
        var numbers = new string[values.Count];
        for (int i = 0; i < numbers.Length; i++)
            numbers[i] = Number(values[i]);
        return string.Join(' ', numbers);
    }

    private static string Options(EquatableArray<MetadataOption> options)
    {
        var pairs = new string[options.Count];
        for (int i = 0; i < pairs.Length; i++)
            pairs[i] = $"{options[i].Key}={options[i].Value}";
        return string.Join(", ", pairs);
    }
    private static string Tensor(TensorSpec t) => $"{t.Name}: {t.ElementType} {Shape(t.Shape)}, scale {Number(t.Scale)}, zero point {t.ZeroPoint}";

    private static void WriteText(InferenceModel model, TextWriter output)
    {
        EqmMetadata meta = model.Metadata;
        ImagePreprocessing p = model.Preprocessing;
        TextTable.Write(output,
        [
            ["model", meta.Name],
            ["producer", meta.Producer],
            ["tuned for board", meta.Board.Length == 0 ? "(none)" : meta.Board],
            ["options", Options(meta.Options)],
            ["input", Tensor(model.Input)],
            ["preprocessing", $"{p.ColorOrder}, {p.ResizeMode}, crop {Number(p.CropFraction)}, mean {List(p.Mean)}, std {List(p.Std)}"],
            .. OutputRows(model),
            ["arena", $"{model.ArenaBytes:N0} B"],
            ["weights", $"{model.WeightBytes:N0} B (packed for these kernels)"],
            ["MACs", $"{ModelOptions.TotalMacs(model):N0} per inference"],
            ["kernels", ModelOptions.DescribeKernels(model.Kernels)],
            ["supported here", KernelVariantNames.Join(KernelVariants.Supported)],
            ["threads", model.Threads.ToString(CultureInfo.InvariantCulture)],
        ]);
        output.WriteLine();
        var layers = new List<IReadOnlyList<string>> { new[] { "#", "op", "name", "input", "output", "MACs" } };
        foreach (LayerInfo l in model.Layers)
            layers.Add([l.Index.ToString(CultureInfo.InvariantCulture), l.Kind.ToString(), l.Name,
                Shape(l.InputShape), Shape(l.OutputShape), l.Macs.ToString("N0", CultureInfo.InvariantCulture)]);
        TextTable.Write(output, layers);
    }

    private static List<IReadOnlyList<string>> OutputRows(InferenceModel model)
    {
        var rows = new List<IReadOnlyList<string>>();
        for (int i = 0; i < model.Outputs.Count; i++)
        {
            OutputSpec o = model.Outputs[i];
            rows.Add([$"output {i}",
                $"{Tensor(o.Tensor)}, bytes {o.Offset}..{o.Offset + o.Tensor.Bytes}, post-processing {o.Postprocess}, {o.Labels.Count} labels"]);
        }
        return rows;
    }

    // Written with Utf8JsonWriter: the source-generated serializer would add about 0.9 MB to the NativeAOT binary.
    private static string ToJson(InferenceModel model)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            EqmMetadata meta = model.Metadata;
            json.WriteStartObject();
            json.WriteString("name", meta.Name);
            json.WriteString("producer", meta.Producer);
            json.WriteString("board", meta.Board);
            json.WriteStartObject("options");
            foreach (MetadataOption option in meta.Options) json.WriteString(option.Key, option.Value);
            json.WriteEndObject();
            json.WritePropertyName("input");
            WriteTensor(json, model.Input);
            ImagePreprocessing p = model.Preprocessing;
            json.WriteStartObject("preprocessing");
            json.WriteString("colorOrder", p.ColorOrder.ToString());
            json.WriteString("resizeMode", p.ResizeMode.ToString());
            json.WriteNumber("cropFraction", p.CropFraction);
            WriteArray(json, "mean", p.Mean.AsSpan());
            WriteArray(json, "std", p.Std.AsSpan());
            json.WriteEndObject();
            json.WriteStartArray("outputs");
            foreach (OutputSpec o in model.Outputs)
            {
                json.WriteStartObject();
                json.WritePropertyName("tensor");
                WriteTensor(json, o.Tensor);
                json.WriteNumber("offset", o.Offset);
                json.WriteString("postprocess", o.Postprocess.ToString());
                json.WriteStartArray("labels");
                foreach (string label in o.Labels) json.WriteStringValue(label);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteNumber("outputBytes", model.OutputBytes);
            json.WriteNumber("arenaBytes", model.ArenaBytes);
            json.WriteNumber("weightBytes", model.WeightBytes);
            json.WriteNumber("macs", ModelOptions.TotalMacs(model));
            json.WriteString("kernelVariant", model.Kernels.Variant.Name());
            json.WriteStartObject("kernelFamilies");
            json.WriteString("gemm", model.Kernels.GemmVariant.Name());
            json.WriteString("depthwise", model.Kernels.DepthwiseVariant.Name());
            json.WriteString("poolingElementwiseResize", model.Kernels.VectorFamiliesVariant.Name());
            json.WriteString("lut", model.Kernels.LutVariant.Name());
            json.WriteEndObject();
            json.WriteStartArray("supportedVariants");
            foreach (KernelVariant v in KernelVariants.Supported) json.WriteStringValue(v.Name());
            json.WriteEndArray();
            json.WriteNumber("threads", model.Threads);
            json.WriteStartArray("ops");
            foreach (LayerInfo l in model.Layers)
            {
                json.WriteStartObject();
                json.WriteNumber("index", l.Index);
                json.WriteString("kind", l.Kind.ToString());
                json.WriteString("name", l.Name);
                WriteArray(json, "inputShape", l.InputShape.AsSpan());
                WriteArray(json, "outputShape", l.OutputShape.AsSpan());
                json.WriteNumber("macs", l.Macs);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteTensor(Utf8JsonWriter json, TensorSpec t)
    {
        json.WriteStartObject();
        json.WriteString("name", t.Name);
        json.WriteString("elementType", t.ElementType.ToString());
        WriteArray(json, "shape", t.Shape.AsSpan());
        json.WriteNumber("scale", t.Scale);
        json.WriteNumber("zeroPoint", t.ZeroPoint);
        json.WriteNumber("bytes", t.Bytes);
        json.WriteEndObject();
    }

    private static void WriteArray(Utf8JsonWriter json, string name, ReadOnlySpan<int> values)
    {
        json.WriteStartArray(name);
        foreach (int v in values) json.WriteNumberValue(v);
        json.WriteEndArray();
    }

    private static void WriteArray(Utf8JsonWriter json, string name, ReadOnlySpan<float> values)
    {
        json.WriteStartArray(name);
        foreach (float v in values) json.WriteNumberValue(v);
        json.WriteEndArray();
    }
}
