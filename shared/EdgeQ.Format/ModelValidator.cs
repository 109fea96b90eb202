namespace EdgeQ.Format;

/// <summary>
/// Every rule of docs/format.md that is not about bytes: tensors, input, outputs, graph order and each op's types,
/// quantization, parameters and shapes. Runs whenever an <see cref="EqmModel"/> is constructed, so the reader and the
/// writer share it.
/// </summary>
internal static class ModelValidator
{
    public static void Validate(EqmModel model)
    {
        // Only an in-memory model can hold nulls; the checks below may then assume none.
        RequireEntries(model.Tensors, "tensors section, tensor");
        RequireEntries(model.Outputs, "outputs section, output");
        RequireEntries(model.Operators, "operators section, op");
        for (int i = 0; i < model.Operators.Count; i++)
            if (model.Operators[i].Params is null) throw new EqmFormatException($"operators section, parameters of op {i} is null");
        if (model.Input.Preprocessing is null) throw new EqmFormatException("input section: the preprocessing is null");
        Wrap("metadata section", () => ValidateMetadata(model.Metadata));
        for (int i = 0; i < model.Tensors.Count; i++)
        {
            var tensor = model.Tensors[i];
            Wrap($"tensors section, tensor {i} '{tensor.Name}'", () => ValidateTensor(tensor));
        }
        Wrap("input section", () => ValidateInput(model));
        Wrap("outputs section", () => ValidateOutputs(model));
        ValidateGraph(model);
    }

    private static void ValidateMetadata(EqmMetadata metadata)
    {
        RequireText(metadata.Name, "name");
        RequireText(metadata.Producer, "producer");
        RequireText(metadata.Board, "board");
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < metadata.Options.Count; i++)
        {
            var (key, value) = metadata.Options[i];
            if (string.IsNullOrEmpty(key)) throw new EqmFormatException($"option {i}: empty key");
            if (!keys.Add(key)) throw new EqmFormatException($"option {i}: duplicate key '{key}'");
            RequireText(value, $"option '{key}' value");
        }
    }

    private static void RequireEntries<T>(IReadOnlyList<T?> entries, string what) where T : class
    {
        for (int i = 0; i < entries.Count; i++)
            if (entries[i] is null) throw new EqmFormatException($"{what} {i} is null");
    }

    /// <summary>Strings may be empty but not null (only an in-memory model can hold null).</summary>
    private static void RequireText(string? text, string field)
    {
        if (text is null) throw new EqmFormatException($"field '{field}' is null");
    }

    private static void ValidateTensor(EqmTensor tensor)
    {
        RequireText(tensor.Name, "name");
        if (!Enum.IsDefined(tensor.ElementType))
            throw new EqmFormatException($"field 'element type': unknown element type {(byte)tensor.ElementType}");
        if (tensor.Shape.Count > Shapes.MaxRank)
            throw new EqmFormatException($"field 'shape': rank {tensor.Shape.Count} exceeds {Shapes.MaxRank}");
        int byteSize = Field("shape", () => Shapes.ByteSize(tensor.Shape.AsSpan(), tensor.ElementType));
        if (tensor.IsConstant && tensor.Data.Length != byteSize)
            throw new EqmFormatException($"field 'blob length': {tensor.Data.Length} bytes, but {tensor.ElementType} {tensor.Shape} needs {byteSize}");
        if (tensor.Quantization is { } quantization) ValidateQuantization(tensor, quantization);
    }

    private static void ValidateQuantization(EqmTensor tensor, EqmQuantization q)
    {
        if (tensor.ElementType == ElementType.Float32)
            throw new EqmFormatException("field 'scales': float32 tensors are not quantized");
        if (q.Scales.Count != q.ZeroPoints.Count)
            throw new EqmFormatException($"field 'zero points': {q.ZeroPoints.Count} zero points for {q.Scales.Count} scales");
        if (!q.IsPerChannel && q.Scales.Count != 1)
            throw new EqmFormatException($"field 'scales': per-tensor quantization needs 1 scale, has {q.Scales.Count}");
        if (q.IsPerChannel)
        {
            if (q.Axis < 0 || q.Axis >= tensor.Shape.Count)
                throw new EqmFormatException($"field 'quantization axis': {q.Axis} is outside -1..{tensor.Shape.Count - 1}");
            if (q.Scales.Count != tensor.Shape[q.Axis])
                throw new EqmFormatException($"field 'scales': {q.Scales.Count} per-channel scales, axis {q.Axis} has {tensor.Shape[q.Axis]} channels");
        }
        for (int c = 0; c < q.Scales.Count; c++)
        {
            if (!float.IsFinite(q.Scales[c]) || q.Scales[c] <= 0)
                throw new EqmFormatException($"field 'scales': scale {c} is {q.Scales[c]}, must be finite and > 0");
        }
        var (min, max) = tensor.ElementType == ElementType.Int32 ? (0, 0) : tensor.ElementType.IntegerRange();
        for (int c = 0; c < q.ZeroPoints.Count; c++)
        {
            if (q.ZeroPoints[c] < min || q.ZeroPoints[c] > max)
                throw new EqmFormatException($"field 'zero points': zero point {c} is {q.ZeroPoints[c]}, outside {tensor.ElementType} range [{min}, {max}]");
        }
    }

    private static void ValidateInput(EqmModel model)
    {
        var spec = model.Input;
        var tensor = TensorAt(model, spec.Tensor, "field 'tensor'");
        if (spec.Layout != TensorLayout.Nhwc) throw new EqmFormatException($"field 'layout': unknown layout {(byte)spec.Layout}");
        Wrap("field 'tensor'", () =>
        {
            if (tensor.IsConstant) throw new EqmFormatException($"tensor {spec.Tensor} is a constant");
            RequireActivation(tensor);
            if (tensor.Shape.Count != 4) throw new EqmFormatException($"shape {tensor.Shape} is not NHWC (rank 4)");
        });
        var p = spec.Preprocessing;
        int channels = tensor.Shape[3];
        int expectedChannels = p.ColorOrder switch
        {
            ColorOrder.Rgb or ColorOrder.Bgr => 3,
            ColorOrder.Grey => 1,
            _ => throw new EqmFormatException($"field 'colour order': unknown value {(byte)p.ColorOrder}"),
        };
        if (channels != expectedChannels)
            throw new EqmFormatException($"field 'colour order': {p.ColorOrder} needs {expectedChannels} channels, the input tensor has {channels}");
        if (!Enum.IsDefined(p.ResizeMode)) throw new EqmFormatException($"field 'resize mode': unknown value {(byte)p.ResizeMode}");
        if (!(p.CropFraction > 0 && p.CropFraction <= 1))
            throw new EqmFormatException($"field 'crop fraction': {p.CropFraction} is outside (0, 1]");
        CheckPerChannel(p.Mean, channels, "mean", _ => true);
        CheckPerChannel(p.Std, channels, "std", v => v > 0);
    }

    private static void CheckPerChannel(EquatableArray<float> values, int channels, string field, Func<float, bool> inRange)
    {
        if (values.Count != channels) throw new EqmFormatException($"field '{field}': {values.Count} values for {channels} channels");
        for (int c = 0; c < channels; c++)
        {
            if (!float.IsFinite(values[c]) || !inRange(values[c]))
                throw new EqmFormatException($"field '{field}': channel {c} value {values[c]} is out of range");
        }
    }

    private static void ValidateOutputs(EqmModel model)
    {
        if (model.Outputs.Count == 0) throw new EqmFormatException("the model has no output");
        var seen = new HashSet<int>();
        for (int i = 0; i < model.Outputs.Count; i++)
        {
            var spec = model.Outputs[i];
            var tensor = TensorAt(model, spec.Tensor, $"output {i}, field 'tensor'");
            string where = $"output {i}, field 'tensor' ({spec.Tensor} '{tensor.Name}')";
            if (!seen.Add(spec.Tensor)) throw new EqmFormatException($"{where}: listed twice");
            if (tensor.IsConstant || spec.Tensor == model.Input.Tensor)
                throw new EqmFormatException($"{where}: must be written by an op, not a constant or the input");
            foreach (string label in spec.Labels) RequireText(label, $"output {i} labels");
            int classes = tensor.Shape.Count == 0 ? 1 : tensor.Shape[^1];
            if (spec.Labels.Count != 0 && spec.Labels.Count != classes)
                throw new EqmFormatException($"output {i}, field 'labels': {spec.Labels.Count} labels for a last dimension of {classes}");
        }
    }

    private static void ValidateGraph(EqmModel model)
    {
        var tensors = model.Tensors;
        var writtenBy = new int[tensors.Count];
        Array.Fill(writtenBy, -1);
        for (int i = 0; i < model.Operators.Count; i++)
        {
            var op = model.Operators[i];
            string where = $"operators section, op {i} ({op.Kind})";
            Wrap(where, () =>
            {
                for (int k = 0; k < op.Inputs.Count; k++)
                {
                    int t = op.Inputs[k];
                    var tensor = TensorAt(model, t, $"input {k}");
                    if (!tensor.IsConstant && t != model.Input.Tensor && writtenBy[t] < 0)
                        throw new EqmFormatException($"input {k} reads tensor {t} '{tensor.Name}' before any op writes it (ops must be in execution order)");
                }
                if (op.Outputs.Count != 1) throw new EqmFormatException($"{op.Outputs.Count} outputs, expected 1");
                var output = TensorAt(model, op.Output, "output");
                if (output.IsConstant || op.Output == model.Input.Tensor)
                    throw new EqmFormatException($"output writes tensor {op.Output} '{output.Name}', which is a constant or the input");
                if (writtenBy[op.Output] >= 0)
                    throw new EqmFormatException($"output tensor {op.Output} '{output.Name}' is already written by op {writtenBy[op.Output]}");
                OperatorRules.Validate(model, op);
            });
            writtenBy[op.Output] = i;
        }
        for (int t = 0; t < tensors.Count; t++)
        {
            if (!tensors[t].IsConstant && t != model.Input.Tensor && writtenBy[t] < 0)
                throw new EqmFormatException($"tensors section, tensor {t} '{tensors[t].Name}': not a constant, not the input and written by no op");
        }
    }

    internal static EqmTensor TensorAt(EqmModel model, int index, string field) =>
        (uint)index < (uint)model.Tensors.Count
            ? model.Tensors[index]
            : throw new EqmFormatException($"{field}: tensor index {index} is outside 0..{model.Tensors.Count - 1}");

    /// <summary>An 8-bit tensor with one scale and zero point: what integer kernels read and write.</summary>
    internal static void RequireActivation(EqmTensor tensor)
    {
        if (!tensor.ElementType.Is8Bit() || tensor.Quantization is not { IsPerChannel: false })
            throw new EqmFormatException($"tensor '{tensor.Name}' must be int8 or uint8 with per-tensor quantization, is {tensor.ElementType} with {Describe(tensor.Quantization)}");
    }

    internal static string Describe(EqmQuantization? q) =>
        q is null ? "no quantization" : q.IsPerChannel ? $"per-channel quantization on axis {q.Axis}" : "per-tensor quantization";

    internal static void Wrap(string location, Action check)
    {
        try { check(); }
        catch (EqmFormatException e) { throw e.At(location); }
    }

    private static T Field<T>(string field, Func<T> read)
    {
        try { return read(); }
        catch (EqmFormatException e) { throw e.At($"field '{field}'"); }
    }
}
