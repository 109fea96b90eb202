using System.CommandLine;
using EdgeQ.Cli.Publishing;
using EdgeQ.CommandLine;
using EdgeQ.Deploy;

namespace EdgeQ.Cli.Commands;

/// <summary>
/// <c>edgeq deploy --board ID --host USER@ADDRESS | --hosts FILE [...]</c>: makes the bundle like publish and installs
/// it on each board over SSH, with a health check and rollback (docs/deploy.md).
/// </summary>
public static class DeployCommand
{
    public static Command Create(PublishEnvironment env)
    {
        var bundleOptions = new BundleOptions();
        var hosts = new Option<string[]>("--host")
        {
            Description = "Board to deploy to, user@address or user@address:port (repeatable)",
            HelpName = "USER@ADDRESS",
        };
        var hostsFile = new Option<FileInfo>("--hosts")
        {
            Description = "File with one user@address[:port] per line (# comments); every board is tried in turn",
            HelpName = "FILE",
        };
        var port = new Option<int?>("--port")
        {
            Description = "SSH port for targets that name none (default 22)",
            HelpName = "N",
        };
        port.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1 or > 65535) result.AddError("--port must be 1-65535.");
        });
        var identity = new Option<FileInfo>("--identity")
        {
            Description = "Private key (no passphrase); default: the first of ~/.ssh/id_ed25519, id_ecdsa, id_rsa",
            HelpName = "KEY",
        }.AcceptExistingOnly();
        var knownHosts = new Option<string?>("--known-hosts")
        {
            Description = "known_hosts file the board's host key is checked against (default: ~/.ssh/known_hosts)",
            HelpName = "FILE",
        };
        var acceptNew = new Option<bool>("--accept-new-host-key")
        {
            Description = "Trust and record the key of a board known_hosts does not list yet (a changed key is always refused)",
        };
        var service = new Option<bool>("--service")
        {
            Description = "Install and (re)start the camera service (with --service-user: a system unit through sudo -n)",
        };
        var healthCheck = new Option<string>("--health-check")
        {
            Description = "Command run in the install folder on the board; a non-zero exit rolls back to the previous version",
            HelpName = "CMD",
            DefaultValueFactory = _ => DeployOptions.DefaultHealthCheck,
        };
        var command = new Command("deploy", "Build a bundle for a board and install it over SSH on one or many boards, with health check and rollback");
        foreach (var option in bundleOptions.All.Concat<Option>([hosts, hostsFile, port, identity, knownHosts, acceptNew, service, healthCheck]))
            command.Options.Add(option);
        command.Validators.Add(result =>
        {
            if (result.GetValue(hosts) is not { Length: > 0 } && result.GetValue(hostsFile) is null)
                result.AddError("Name the boards with --host USER@ADDRESS or --hosts FILE.");
        });

        command.SetAction(async (parse, ct) =>
        {
            var targets = BundleOptions.AsUsageError(() => Targets(parse.GetValue(hosts), parse.GetValue(hostsFile), parse.GetValue(port)));
            var error = parse.InvocationConfiguration.Error;
            var deployer = new Deployer(new DeployOptions
            {
                IdentityFile = parse.GetValue(identity)?.FullName,
                KnownHostsFile = parse.GetValue(knownHosts) ?? KnownHosts.DefaultPath,
                AcceptNewHostKey = parse.GetValue(acceptNew),
                RemoteDirectory = parse.GetValue(bundleOptions.RemoteDirectory)!,
                Service = !parse.GetValue(service) ? ServiceManager.None
                    : parse.GetValue(bundleOptions.ServiceUser) is null ? ServiceManager.User : ServiceManager.System,
                HealthCheckCommand = parse.GetValue(healthCheck)!,
            }, new DeployProgressPrinter(error));

            // The bundle is only the upload's source: it lives in a temp folder for the length of the deploy.
            var scratch = Directory.CreateTempSubdirectory("edgeq-deploy-");
            try
            {
                var bundle = bundleOptions.CreateBundle(parse, env, Path.Combine(scratch.FullName, "bundle"));
                var results = await deployer.DeployAllAsync(bundle, targets, ct);
                parse.InvocationConfiguration.Output.Write(ResultTable.Format(results));
                return results.All(r => r.Status == DeployStatus.Deployed) ? CommandErrors.Success : CommandErrors.Failure;
            }
            finally
            {
                scratch.Delete(recursive: true);
            }
        });
        return command;
    }

    private static List<SshTarget> Targets(string[]? hosts, FileInfo? hostsFile, int? port)
    {
        var targets = (hosts ?? []).Select(SshTarget.Parse).ToList();
        if (hostsFile is not null) targets.AddRange(SshTarget.ParseHostsFile(hostsFile.FullName));
        return port is { } p ? targets.Select(t => t.Port == SshTarget.DefaultPort ? t with { Port = p } : t).ToList() : targets;
    }
}
