using System.Globalization;
using EdgeQ.CommandLine;

namespace EdgeQ.Device.Camera;

public enum Comparison { AtLeast, Above, AtMost, Below }

/// <summary>
/// <c>--on "LABEL&gt;=0.6"</c>: the pin's condition on one class score. LABEL is a label of the model's first output
/// or a class index; the operator is <c>&gt;=</c>, <c>&gt;</c>, <c>&lt;=</c> or <c>&lt;</c>; the threshold is a number
/// in the scores' units (docs/camera.md).
/// </summary>
public sealed record GpioRule(string Label, Comparison Comparison, float Threshold)
{
    private static readonly (string Text, Comparison Comparison)[] Operators =
        [(">=", Comparison.AtLeast), ("<=", Comparison.AtMost), (">", Comparison.Above), ("<", Comparison.Below)];

    public static GpioRule Parse(string text)
    {
        int at = text.IndexOfAny(['<', '>']);
        if (at < 0)
            throw RuleError(text, "no comparison (>=, >, <=, <)");
        var (symbol, comparison) = OperatorAt(text.AsSpan(at));
        string label = text[..at].Trim(), number = text[(at + symbol.Length)..].Trim();
        if (label.Length == 0)
            throw RuleError(text, "no label or class index before the comparison");
        if (!float.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out float threshold) || !float.IsFinite(threshold))
            throw RuleError(text, $"'{number}' is not a number");
        return new GpioRule(label, comparison, threshold);
    }

    /// <summary>Resolves the label against the model: an exact label first, then a class index.</summary>
    public BoundGpioRule Bind(IReadOnlyList<string> labels, int classCount)
    {
        int index = labels is [] ? -1 : IndexOf(labels, Label);
        if (index < 0 && int.TryParse(Label, NumberStyles.None, CultureInfo.InvariantCulture, out int number) && number < classCount)
            index = number;
        if (index < 0)
            throw new UsageException(labels is []
                ? $"--on: the model has no labels, so the class must be an index from 0 to {classCount - 1}, not '{Label}'"
                : $"--on: '{Label}' is neither one of the model's {labels.Count} labels nor a class index from 0 to {classCount - 1}");
        return new BoundGpioRule(this, index);
    }

    public override string ToString() => $"{Label}{Symbol(Comparison)}{Threshold.ToString(CultureInfo.InvariantCulture)}";

    // Plain loops, not First() or a Func over the entries: LINQ or a delegate over the value tuple would be compiled as
    // its own instantiation and keep NativeAOT's type loader in the binary (docs/device.md, binary size).
    private static (string Text, Comparison Comparison) OperatorAt(ReadOnlySpan<char> text)
    {
        foreach (var entry in Operators)
            if (text.StartsWith(entry.Text))
                return entry;
        throw new InvalidOperationException("no such operator");
    }

    private static string Symbol(Comparison comparison)
    {
        foreach (var (text, each) in Operators)
            if (each == comparison)
                return text;
        throw new InvalidOperationException("no such operator");
    }

    private static int IndexOf(IReadOnlyList<string> labels, string label)
    {
        for (int i = 0; i < labels.Count; i++)
            if (labels[i] == label)
                return i;
        return -1;
    }

    private static UsageException RuleError(string text, string problem) =>
        new($"--on '{text}': {problem}; expected LABEL>=0.6 (operators >=, >, <=, <; LABEL a label or class index)");
}

/// <summary>A rule whose label is resolved to a class index of the model.</summary>
public sealed record BoundGpioRule(GpioRule Rule, int ClassIndex)
{
    public bool Holds(ReadOnlySpan<float> scores)
    {
        float score = scores[ClassIndex];
        return Rule.Comparison switch
        {
            Comparison.AtLeast => score >= Rule.Threshold,
            Comparison.Above => score > Rule.Threshold,
            Comparison.AtMost => score <= Rule.Threshold,
            _ => score < Rule.Threshold,
        };
    }
}
