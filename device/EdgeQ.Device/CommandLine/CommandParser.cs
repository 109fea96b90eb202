namespace EdgeQ.CommandLine;

/// <summary>
/// A small hand-written parser for <c>edgeq-run</c>: System.CommandLine added 1.9 MB to the linux-arm64 NativeAOT
/// binary (docs/device.md), more than half of the 3 MB budget. Grammar: <c>TOOL COMMAND [--flag] [--opt VALUE|--opt=VALUE]
/// [ARG...] [-- ARG...]</c>, plus <c>--help</c>/<c>-h</c> anywhere, <c>--version</c> and <c>--verbose</c>.
/// </summary>
public sealed class CommandParser(string tool, string description, string version, IReadOnlyList<CommandSpec> commands)
{
    public static readonly OptionSpec Verbose = new("--verbose", "Show stack traces for unexpected errors (same as EDGEQ_DEBUG=1)");
    private static readonly OptionSpec Help = new("--help", "Show help (also -h)");
    private const string Indent = "  ";

    public string Tool { get; } = tool;

    /// <summary>Parses and runs; every error becomes a message and exit code through <see cref="CommandErrors"/>.</summary>
    public int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        bool verbose = CommandErrors.DebugFromEnvironment;
        foreach (string arg in args) verbose |= arg == Verbose.Name;
        try
        {
            return Dispatch(args, output);
        }
        catch (Exception e)
        {
            return CommandErrors.Report(Tool, e, verbose, error);
        }
    }

    private int Dispatch(IReadOnlyList<string> args, TextWriter output)
    {
        if (args.Count == 0 || IsHelp(args[0]))
        {
            WriteToolHelp(output);
            return CommandErrors.Success;
        }
        if (args[0] == "--version")
        {
            output.WriteLine(version);
            return CommandErrors.Success;
        }
        var command = Find(commands, args[0], c => c.Name)
            ?? throw new UsageException($"unknown command '{args[0]}'. See '{Tool} --help'.");
        var commandArgs = new List<string>(args.Count - 1);
        for (int i = 1; i < args.Count; i++) commandArgs.Add(args[i]);
        foreach (string token in commandArgs)
        {
            if (token == "--") break;
            if (IsHelp(token))
            {
                WriteCommandHelp(output, command);
                return CommandErrors.Success;
            }
        }
        return command.Run(Parse(command, commandArgs), output);
    }

    private ParsedCommand Parse(CommandSpec command, List<string> args)
    {
        var options = new Dictionary<string, string?>();
        var arguments = new List<string>();
        string seeHelp = $"See '{Tool} {command.Name} --help'.";
        for (int i = 0; i < args.Count; i++)
        {
            string token = args[i];
            if (token == "--")
            {
                arguments.AddRange(args.GetRange(i + 1, args.Count - i - 1));
                break;
            }
            if (!token.StartsWith('-') || token == "-")
            {
                arguments.Add(token);
                continue;
            }
            int equals = token.IndexOf('=');
            string name = equals < 0 ? token : token[..equals];
            if (name == Verbose.Name)
                continue;
            var option = Find(command.Options, name, o => o.Name)
                ?? throw new UsageException($"unknown option '{name}' for '{Tool} {command.Name}'. {seeHelp}");
            if (!option.TakesValue)
            {
                if (equals >= 0)
                    throw new UsageException($"{name} takes no value. {seeHelp}");
                options[name] = null;
            }
            else if (equals >= 0)
                options[name] = token[(equals + 1)..];
            else if (i + 1 < args.Count)
                options[name] = args[++i];
            else
                throw new UsageException($"{name} needs a value ({option.ValueName}). {seeHelp}");
        }

        int required = 0;
        bool unbounded = false;
        foreach (var argument in command.Arguments)
        {
            if (argument.Required) required++;
            unbounded |= argument.Repeats;
        }
        if (arguments.Count < required)
            throw new UsageException($"missing {command.Arguments[arguments.Count].Name}. {seeHelp}");
        if (!unbounded && arguments.Count > command.Arguments.Count)
            throw new UsageException($"unexpected argument '{arguments[command.Arguments.Count]}'. {seeHelp}");
        return new ParsedCommand(options, arguments);
    }

    private static bool IsHelp(string token) => token is "--help" or "-h";

    private static T? Find<T>(IReadOnlyList<T> specs, string name, Func<T, string> nameOf) where T : class
    {
        foreach (var spec in specs)
            if (nameOf(spec) == name)
                return spec;
        return null;
    }

    private void WriteToolHelp(TextWriter output)
    {
        output.WriteLine($"{Tool}: {description}");
        output.WriteLine();
        output.WriteLine($"Usage: {Tool} COMMAND [options]");
        output.WriteLine();
        output.WriteLine("Commands:");
        var commandRows = new List<IReadOnlyList<string>>();
        foreach (var c in commands) commandRows.Add([c.Name, c.Description]);
        TextTable.Write(output, commandRows, Indent);
        output.WriteLine();
        output.WriteLine("Options:");
        TextTable.Write(output,
            [["--version", "Show the version (and the commit it was built from)"], [Help.Name, Help.Description],
             [Verbose.Name, Verbose.Description]], Indent);
        output.WriteLine();
        output.WriteLine($"Run '{Tool} COMMAND --help' for a command's options.");
    }

    private void WriteCommandHelp(TextWriter output, CommandSpec command)
    {
        var usage = new List<string> { $"Usage: {Tool} {command.Name} [options]" };
        var argumentRows = new List<IReadOnlyList<string>>();
        foreach (var a in command.Arguments)
        {
            usage.Add((a.Required ? a.Name : $"[{a.Name}]") + (a.Repeats ? "..." : ""));
            argumentRows.Add([a.Name, a.Description]);
        }
        output.WriteLine($"{Tool} {command.Name}: {command.Description}");
        output.WriteLine();
        output.WriteLine(string.Join(' ', usage));
        if (command.Arguments.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Arguments:");
            TextTable.Write(output, argumentRows, Indent);
        }
        output.WriteLine();
        output.WriteLine("Options:");
        var optionRows = new List<IReadOnlyList<string>>();
        OptionSpec[] options = [.. command.Options, Help, Verbose];
        foreach (var o in options)
            optionRows.Add([o.TakesValue ? $"{o.Name} {o.ValueName}" : o.Name, o.Description]);
        TextTable.Write(output, optionRows, Indent);
    }
}
