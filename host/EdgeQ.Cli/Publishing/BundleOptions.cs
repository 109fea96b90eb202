using System.CommandLine;
using EdgeQ.CommandLine;
using EdgeQ.Deploy;

namespace EdgeQ.Cli.Publishing;

/// <summary>The options <c>edgeq publish</c> and <c>edgeq deploy</c> share, and the bundle they both make from them.</summary>
public sealed class BundleOptions
{
    public Option<string> Board { get; } = new("--board")
    {
        Description = "Board id from 'edgeq boards' (e.g. pi5), or linux-arm64 / linux-x64 for a generic build",
        HelpName = "ID",
        Required = true,
    };

    public Option<FileInfo> Model { get; } = new Option<FileInfo>("--model")
    {
        Description = "The int8 model (.eqm) to ship; without it the bundle holds only the runtime and service files",
        HelpName = "MODEL.eqm",
    }.AcceptExistingOnly();

    public Option<string?> ServiceUser { get; } = new("--service-user")
    {
        Description = "Make the camera service a system unit that runs as this user (default: a user unit)",
        HelpName = "USER",
    };

    public Option<string> RemoteDirectory { get; } = new("--remote-dir")
    {
        Description = "Install folder on the board, relative to the login user's home; the service unit runs there",
        HelpName = "DIR",
        DefaultValueFactory = _ => BundleFiles.DefaultInstallDirectory,
    };

    public IEnumerable<Option> All => [Board, Model, ServiceUser, RemoteDirectory];

    /// <summary>
    /// Resolves the board, builds or finds edgeq-run, and lays out the bundle in <paramref name="outputDirectory"/>
    /// (staged, so a failure leaves nothing). Bundle problems (invalid model, occupied folder) become usage errors.
    /// </summary>
    public Bundle CreateBundle(ParseResult parse, PublishEnvironment env, string outputDirectory)
    {
        var target = PublishTarget.Resolve(parse.GetValue(Board)!);
        var progress = parse.InvocationConfiguration.Error;
        string runtime = new DeviceRuntimeProvider(env, progress).Provide(target);
        var model = parse.GetValue(Model);
        progress.WriteLine(model is null ? "copying edgeq-run into the bundle" : $"copying edgeq-run and {model.Name} into the bundle");
        return AsUsageError(() => BundleLayout.Create(new BundleRequest(target.Board, runtime, model?.FullName, outputDirectory)
        {
            ServiceUser = parse.GetValue(ServiceUser),
            InstallDirectory = parse.GetValue(RemoteDirectory)!,
        }));
    }

    /// <summary>A <see cref="DeployException"/> is always something the user can fix: one line, exit 2.</summary>
    public static T AsUsageError<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (DeployException e)
        {
            throw new UsageException(e.Message);
        }
    }
}
