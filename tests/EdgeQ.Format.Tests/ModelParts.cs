namespace EdgeQ.Format.Tests;

/// <summary>A model taken apart so a test can break one piece and write it without validation.</summary>
internal sealed record ModelParts(
    EqmMetadata Metadata,
    EqmInputSpec Input,
    EquatableArray<EqmOutputSpec> Outputs,
    EquatableArray<EqmTensor> Tensors,
    EquatableArray<EqmOperator> Operators)
{
    public static ModelParts Of(EqmModel model) => new(model.Metadata, model.Input, model.Outputs, model.Tensors, model.Operators);

    public EqmModel Unvalidated() => EqmModel.CreateUnvalidated(Metadata, Input, Outputs, Tensors, Operators);

    public int TensorIndex(string name)
    {
        int index = Tensors.Select(t => t.Name).ToList().IndexOf(name);
        return index >= 0 ? index : throw new ArgumentException($"no tensor '{name}'");
    }

    public ModelParts WithTensor(string name, Func<EqmTensor, EqmTensor> change)
    {
        var tensors = Tensors.AsSpan().ToArray();
        int index = TensorIndex(name);
        tensors[index] = change(tensors[index]);
        return this with { Tensors = tensors };
    }

    public ModelParts AddTensor(EqmTensor tensor) => this with { Tensors = [.. Tensors, tensor] };

    public ModelParts WithOp(int index, Func<EqmOperator, EqmOperator> change)
    {
        var operators = Operators.AsSpan().ToArray();
        operators[index] = change(operators[index]);
        return this with { Operators = operators };
    }

    public ModelParts WithPreprocessing(Func<ImagePreprocessing, ImagePreprocessing> change) =>
        this with { Input = Input with { Preprocessing = change(Input.Preprocessing) } };
}
