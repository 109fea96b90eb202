namespace EdgeQ.CommandLine;

/// <summary>An option: a flag when <paramref name="ValueName"/> is null, otherwise <c>--name VALUE</c> or <c>--name=VALUE</c>.</summary>
public sealed record OptionSpec(string Name, string Description, string? ValueName = null)
{
    public bool TakesValue => ValueName is not null;
}

public sealed record ArgumentSpec(string Name, string Description, bool Required = true, bool Repeats = false);

/// <summary>One <c>edgeq-run</c> command: what it accepts (for parsing and help) and what it does.</summary>
public sealed record CommandSpec(
    string Name,
    string Description,
    IReadOnlyList<OptionSpec> Options,
    IReadOnlyList<ArgumentSpec> Arguments,
    Func<ParsedCommand, TextWriter, int> Run);
