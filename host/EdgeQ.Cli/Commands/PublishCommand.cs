using System.CommandLine;
using EdgeQ.Cli.Publishing;
using EdgeQ.CommandLine;

namespace EdgeQ.Cli.Commands;

/// <summary><c>edgeq publish --board ID [--model MODEL.eqm] --out DIR</c>: a bundle folder ready to copy to a board.</summary>
public static class PublishCommand
{
    public static Command Create(PublishEnvironment env)
    {
        var bundleOptions = new BundleOptions();
        var output = new Option<string>("--out")
        {
            Description = "Bundle folder to create (an existing one is replaced only if it holds an earlier bundle)",
            HelpName = "DIR",
            Required = true,
        };
        var command = new Command("publish", "Build edgeq-run for a board (NativeAOT) and lay out a bundle: runtime, model, camera service unit, README");
        foreach (var option in bundleOptions.All.Append(output))
            command.Options.Add(option);
        command.SetAction(parse =>
        {
            var bundle = bundleOptions.CreateBundle(parse, env, parse.GetValue(output)!);
            var stdout = parse.InvocationConfiguration.Output;
            stdout.WriteLine(bundle.Directory);
            TextTable.Write(stdout, bundle.Files
                .Select(f => (IReadOnlyList<string>)[f, $"{new FileInfo(bundle.PathOf(f)).Length:N0} bytes"])
                .Prepend(["FILE", "SIZE"]));
            return CommandErrors.Success;
        });
        return command;
    }
}
