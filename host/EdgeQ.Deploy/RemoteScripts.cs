namespace EdgeQ.Deploy;

/// <summary>The POSIX shell commands a deploy runs on the board, one place for every path and quoting rule.</summary>
internal sealed class RemoteScripts(string directory, IReadOnlyList<string> files)
{
    /// <summary>Exit code of <see cref="RollBack"/> when no file had a previous version (a first deploy).</summary>
    public const int NothingToRestore = 3;

    private string Staging => $"{directory}/{Deployer.StagingFolder}";

    public string StagingPath(string file) => $"{Staging}/{file}";

    /// <summary>A staging folder left by an interrupted deploy is stale: start from an empty one.</summary>
    public string PrepareStaging => $"mkdir -p {Quote(directory)} && rm -rf {Quote(Staging)} && mkdir {Quote(Staging)}";

    public string RemoveStaging => $"rm -rf {Quote(Staging)}";

    public string InDirectory(string command) => $"cd {Quote(directory)} && {command}";

    /// <summary>
    /// Syncs the staged files to disk before any rename, so a power cut never leaves a renamed but empty file; keeps
    /// each current file as last-good (a hard link: instant, and it survives the rename); renames the new one over
    /// it; syncs the folder so the renames persist.
    /// </summary>
    public string Install
    {
        get
        {
            var steps = new List<string> { $"sync {string.Join(' ', files.Select(f => Quote($"{Deployer.StagingFolder}/{f}")))}" };
            foreach (string file in files)
            {
                string current = Quote(file), lastGood = Quote(file + BundleFiles.LastGoodSuffix);
                // No current file: drop any older last-good, or a rollback would restore a version from before it.
                steps.Add($"rm -f {lastGood}");
                steps.Add($"{{ [ ! -e {current} ] || ln {current} {lastGood}; }}");
                steps.Add($"mv -f {Quote($"{Deployer.StagingFolder}/{file}")} {current}");
            }
            steps.Add("sync .");
            return InDirectory(string.Join(" && ", steps));
        }
    }

    /// <summary>
    /// Puts every last-good back (copied, then renamed atomically, so last-good stays for the next attempt) and removes
    /// new files that had no earlier version. Exits <see cref="NothingToRestore"/> when nothing was restored.
    /// </summary>
    public string RollBack
    {
        get
        {
            var steps = new List<string> { "restored=0" };
            foreach (string file in files)
            {
                string current = Quote(file), lastGood = Quote(file + BundleFiles.LastGoodSuffix);
                string staged = Quote($"{Deployer.StagingFolder}/{file}");
                steps.Add($"if [ -e {lastGood} ]; then cp -p {lastGood} {staged} && mv -f {staged} {current} && restored=1; else rm -f {current}; fi");
            }
            steps.Add($"rm -rf {Quote(Deployer.StagingFolder)}");
            steps.Add("sync .");
            steps.Add($"[ $restored = 1 ] || exit {NothingToRestore}");
            return InDirectory($"mkdir -p {Quote(Deployer.StagingFolder)} && " + string.Join(" && ", steps));
        }
    }

    public string RestartService(ServiceManager manager)
    {
        string unit = Quote(BundleFiles.ServiceUnit);
        bool installUnit = files.Contains(BundleFiles.ServiceUnit);
        string command = manager switch
        {
            ServiceManager.User =>
                (installUnit ? $"mkdir -p ~/.config/systemd/user && cp -f {unit} ~/.config/systemd/user/ && " : "") +
                $"systemctl --user daemon-reload && systemctl --user enable {unit} && systemctl --user restart {unit}",
            // -n: fail at once instead of waiting for a password nobody can type.
            ServiceManager.System =>
                (installUnit ? $"sudo -n cp -f {unit} /etc/systemd/system/ && " : "") +
                $"sudo -n systemctl daemon-reload && sudo -n systemctl enable {unit} && sudo -n systemctl restart {unit}",
            _ => throw new ArgumentOutOfRangeException(nameof(manager), manager, "no service to restart"),
        };
        return InDirectory(command);
    }

    /// <summary>Single quotes keep every character literal in POSIX sh; a quote inside becomes '\''.</summary>
    public static string Quote(string text) => "'" + text.Replace("'", @"'\''") + "'";
}
