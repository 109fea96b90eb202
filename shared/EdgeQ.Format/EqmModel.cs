namespace EdgeQ.Format;

/// <summary>
/// An int8 model as the runtime sees it. Immutable and always valid: the constructor runs every rule of
/// docs/format.md and throws <see cref="EqmFormatException"/> naming the first violation.
/// </summary>
public sealed class EqmModel : IEquatable<EqmModel>
{
    public EqmModel(
        EqmMetadata metadata,
        EqmInputSpec input,
        EquatableArray<EqmOutputSpec> outputs,
        EquatableArray<EqmTensor> tensors,
        EquatableArray<EqmOperator> operators)
        : this(metadata, input, outputs, tensors, operators, validate: true)
    {
    }

    private EqmModel(
        EqmMetadata metadata,
        EqmInputSpec input,
        EquatableArray<EqmOutputSpec> outputs,
        EquatableArray<EqmTensor> tensors,
        EquatableArray<EqmOperator> operators,
        bool validate)
    {
        Metadata = metadata ?? throw new ArgumentNullException(nameof(metadata));
        Input = input ?? throw new ArgumentNullException(nameof(input));
        Outputs = outputs;
        Tensors = tensors;
        Operators = operators;
        if (validate) ModelValidator.Validate(this);
    }

    /// <summary>Lets tests write invalid files to prove the reader rejects them.</summary>
    internal static EqmModel CreateUnvalidated(
        EqmMetadata metadata,
        EqmInputSpec input,
        EquatableArray<EqmOutputSpec> outputs,
        EquatableArray<EqmTensor> tensors,
        EquatableArray<EqmOperator> operators) => new(metadata, input, outputs, tensors, operators, validate: false);

    public EqmMetadata Metadata { get; }
    public EqmInputSpec Input { get; }
    public EquatableArray<EqmOutputSpec> Outputs { get; }
    public EquatableArray<EqmTensor> Tensors { get; }

    /// <summary>In execution order.</summary>
    public EquatableArray<EqmOperator> Operators { get; }

    public bool Equals(EqmModel? other) =>
        other is not null
        && Metadata == other.Metadata
        && Input == other.Input
        && Outputs == other.Outputs
        && Tensors == other.Tensors
        && Operators == other.Operators;

    public override bool Equals(object? obj) => Equals(obj as EqmModel);

    public override int GetHashCode() => HashCode.Combine(Metadata, Input, Outputs, Tensors, Operators);
}
