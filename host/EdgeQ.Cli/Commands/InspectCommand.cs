using System.CommandLine;
using EdgeQ.CommandLine;
using EdgeQ.Host.Inspection;
using EdgeQ.Host.Ir;
using EdgeQ.Host.Onnx;
using EdgeQ.Host.Transforms;

namespace EdgeQ.Cli.Commands;

/// <summary><c>edgeq inspect MODEL.onnx [--json]</c>: the imported graph after all passes, with MACs and parameters.</summary>
public static class InspectCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("model") { Description = "The float ONNX model to import" };
        var json = new Option<bool>("--json") { Description = "Print JSON (keys: total_macs, parameters, layers)" };
        var command = new Command("inspect", "Show the imported graph after the passes: ops, shapes, MACs and parameters per layer") { model, json };
        command.SetAction(parse =>
        {
            var graph = LoadGraph(parse.GetValue(model)!);
            var output = parse.InvocationConfiguration.Output;
            output.Write(parse.GetValue(json) ? ModelInspector.FormatJson(graph) + Environment.NewLine : ModelInspector.FormatTable(graph));
            return CommandErrors.Success;
        });
        return command;
    }

    /// <summary>Imports and optimizes a model; a model EdgeQ cannot read is the user's input problem, not a crash.</summary>
    public static Graph LoadGraph(FileInfo path)
    {
        if (!path.Exists) throw new UsageException($"model not found: {path.FullName}");
        try
        {
            return GraphOptimizer.Load(path.FullName);
        }
        catch (OnnxImportException e)
        {
            throw new UsageException($"{path.Name}: {e.Message}");
        }
    }
}
