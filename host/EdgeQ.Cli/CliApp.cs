using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using EdgeQ.Cli.Commands;
using EdgeQ.Cli.Publishing;
using EdgeQ.CommandLine;

namespace EdgeQ.Cli;

/// <summary>The <c>edgeq</c> command tree and the one place where errors become exit codes.</summary>
public static class CliApp
{
    public const string Tool = "edgeq";

    /// <summary>Global: stack traces for unexpected errors (EDGEQ_DEBUG=1 does the same).</summary>
    public static readonly Option<bool> VerboseOption = new("--verbose")
    {
        Description = "Show stack traces for unexpected errors (same as EDGEQ_DEBUG=1)",
        Recursive = true,
    };

    /// <summary>Each command lives in its own file under Commands/ and is registered here with one line.</summary>
    public static Command BuildRootCommand()
    {
        // A plain Command named "edgeq" rather than RootCommand, whose name and --version come from the entry assembly
        // (the test host when the tree runs in-process).
        var help = new HelpOption();
        var version = new Option<bool>("--version") { Description = "Show the version (and the commit it was built from)" };
        var root = new Command(Tool, "EdgeQ: quantize float ONNX CNNs to int8 with bias correction and pack them for ARM boards.")
        {
            help,
            version,
            VerboseOption,
            BoardsCommand.Create(),
            InspectCommand.Create(),
            PackCommand.Create(),
            EvalCommand.Create(),
            ExportCommand.Create(),
            PublishCommand.Create(PublishEnvironment.Current),
            DeployCommand.Create(PublishEnvironment.Current),
        };
        // With no command, show the help instead of an error.
        root.SetAction(parse =>
        {
            if (parse.GetValue(version))
                parse.InvocationConfiguration.Output.WriteLine(ToolVersion.Value);
            else
                ((SynchronousCommandLineAction)help.Action!).Invoke(parse);
            return CommandErrors.Success;
        });
        return root;
    }

    public static int Run(string[] args, TextWriter output, TextWriter error) => Run(BuildRootCommand(), args, output, error);

    public static int Run(Command root, string[] args, TextWriter output, TextWriter error)
    {
        var parse = root.Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            var command = string.Join(' ', parse.CommandResult.Command.Parents.OfType<Command>().Reverse()
                .Append(parse.CommandResult.Command).Select(c => c.Name));
            return CommandErrors.ReportUsage(Tool, $"{parse.Errors[0].Message} See '{command} --help'.", error);
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            return CommandErrors.Report(Tool, e, parse.GetValue(VerboseOption) || CommandErrors.DebugFromEnvironment, error);
        }
    }
}
