using System.Globalization;

namespace EdgeQ.CommandLine;

/// <summary>The options and arguments given to one command, with typed accessors that report bad values as usage errors.</summary>
public sealed class ParsedCommand(IReadOnlyDictionary<string, string?> options, IReadOnlyList<string> arguments)
{
    public IReadOnlyList<string> Arguments { get; } = arguments;

    public bool Has(string option) => options.ContainsKey(option);

    public string? Value(string option) => options.GetValueOrDefault(option);

    public int IntValue(string option, int defaultValue, int min, int max)
    {
        var text = Value(option);
        if (text is null)
            return defaultValue;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
            throw new UsageException($"{option} must be a whole number from {min} to {max}, not '{text}'");
        return value;
    }
}
