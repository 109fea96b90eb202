using System.CommandLine;
using EdgeQ.CommandLine;
using EdgeQ.Format;
using EdgeQ.Host.Export;

namespace EdgeQ.Cli.Commands;

/// <summary><c>edgeq export MODEL.eqm --qdq OUT.onnx</c>: the packed int8 model as a standard QDQ ONNX model.</summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("model") { Description = "The packed int8 model (.eqm)" };
        var qdq = new Option<FileInfo>("--qdq")
        {
            Description = "Write a QDQ ONNX model (opset 13, float NCHW input preprocessed as the .eqm's input spec says)",
            Required = true,
            HelpName = "OUT.onnx",
        };
        var command = new Command("export", "Export a packed .eqm model to another format (QDQ ONNX for ONNX Runtime's int8 kernels)") { model, qdq };
        command.SetAction(parse =>
        {
            var source = parse.GetValue(model)!;
            var target = parse.GetValue(qdq)!;
            if (!source.Exists) throw new UsageException($"model not found: {source.FullName}");
            EqmModel eqm;
            try
            {
                using var stream = source.OpenRead();
                eqm = EqmReader.Read(stream);
            }
            catch (EqmFormatException e)
            {
                throw new UsageException($"{source.Name}: {e.Message}");
            }
            try
            {
                QdqExporter.WriteFile(eqm, target.FullName);
            }
            catch (NotSupportedException e)
            {
                throw new UsageException($"{source.Name}: {e.Message}");
            }
            parse.InvocationConfiguration.Output.WriteLine($"wrote {target.FullName} ({eqm.Operators.Count} operators, QDQ opset {QdqExporter.Opset})");
            return CommandErrors.Success;
        });
        return command;
    }
}
