using System.CommandLine;
using EdgeQ.Boards;
using EdgeQ.CommandLine;

namespace EdgeQ.Cli.Commands;

/// <summary><c>edgeq boards [ID] [--json]</c>: the supported boards, or one board's whole profile.</summary>
public static class BoardsCommand
{
    public static Command Create()
    {
        var id = new Argument<string?>("id") { Description = "Show one board's full profile (e.g. pi5)", Arity = ArgumentArity.ZeroOrOne };
        // An open argument slot would otherwise swallow a mistyped option as a board id.
        id.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } value && value.StartsWith('-'))
                result.AddError($"Unrecognized option '{value}'.");
        });
        var json = new Option<bool>("--json") { Description = "Print the profiles as JSON" };
        var command = new Command("boards", "List the supported boards and their CPU, ISA and QEMU model") { id, json };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var boardId = parse.GetValue(id);
            if (boardId is null)
                WriteList(output, parse.GetValue(json));
            else
                WriteOne(output, Find(boardId), parse.GetValue(json));
            return CommandErrors.Success;
        });
        return command;
    }

    private static BoardProfile Find(string id) =>
        BoardCatalog.Find(id)
        ?? throw new UsageException($"unknown board '{id}'; known boards: {string.Join(", ", BoardCatalog.All.Select(b => b.Id))}");

    private static void WriteList(TextWriter output, bool json)
    {
        if (json)
        {
            output.WriteLine(BoardCatalog.ToJson(BoardCatalog.All));
            return;
        }
        IReadOnlyList<string> header = ["ID", "BOARD", "CPU", "CORES", "MHZ", "RAM", "ISA", "QEMU -cpu"];
        TextTable.Write(output, BoardCatalog.All.Select(b => (IReadOnlyList<string>)
        [
            b.Id, b.Name, b.CpuCore, b.Cores.ToString(), b.ClockMHz.ToString(), FormatRam(b.RamMB),
            string.Join('+', b.IsaFeatures), b.QemuCpu,
        ]).Prepend(header));
    }

    private static void WriteOne(TextWriter output, BoardProfile board, bool json)
    {
        if (json)
        {
            output.WriteLine(BoardCatalog.ToJson(board));
            return;
        }
        TextTable.Write(output,
        [
            ["FIELD", "VALUE"], ["id", board.Id], ["name", board.Name], ["SoC", board.Soc],
            ["CPU", $"{board.Cores} x {board.CpuCore} @ {board.ClockMHz} MHz ({board.IsaLevel})"],
            ["ISA features", string.Join(", ", board.IsaFeatures)], ["RAM", FormatRam(board.RamMB)],
            ["runtime identifier", board.RuntimeIdentifier],
            ["IlcInstructionSet", board.IlcInstructionSet.Length == 0 ? "(default: ISA checked at run time)" : board.IlcInstructionSet],
            ["default threads", board.DefaultThreads.ToString()], ["QEMU -cpu", board.QemuCpu],
            ["GPIO chip", $"{board.GpioChip} ({board.GpioChipLabel})"], ["camera", board.CameraDevice],
            ["minimum OS", board.MinimumOs],
        ]);
        foreach (var note in board.Notes)
            output.WriteLine($"note: {note}");
    }

    private static string FormatRam(IEnumerable<int> sizesMB) =>
        string.Join('/', sizesMB.Select(mb => mb >= 1024 ? $"{mb / 1024}G" : $"{mb}M"));
}
