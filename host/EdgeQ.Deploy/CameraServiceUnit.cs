namespace EdgeQ.Deploy;

/// <summary>The systemd unit that keeps <c>edgeq-run camera</c> running on the board.</summary>
internal static class CameraServiceUnit
{
    public static string Render(BundleRequest request)
    {
        var board = request.Board;
        bool systemUnit = request.ServiceUser is not null;
        string directory = WorkingDirectory(request);
        // A user unit runs as its owner; a system unit names the user (systemd then applies that user's groups, so
        // membership of video and gpio is what grants the camera and the pins).
        string identity = systemUnit ? $"User={request.ServiceUser}\n" : "";
        string wantedBy = systemUnit ? "multi-user.target" : "default.target";
        return $"""
            [Unit]
            Description=EdgeQ camera inference ({board.Id})

            [Service]
            {identity}WorkingDirectory={directory}
            ExecStart={ExecStart(request)}
            # A crash or a camera error restarts the loop; the pause keeps a broken camera from spinning the CPU.
            Restart=on-failure
            RestartSec=3

            [Install]
            WantedBy={wantedBy}

            """;
    }

    /// <summary>The camera command the unit runs; the README shows it again for drop-ins that add options.</summary>
    public static string ExecStart(BundleRequest request) =>
        $"{WorkingDirectory(request)}/{BundleFiles.Executable} camera {BundleFiles.Model} --device {request.Board.CameraDevice}";

    private static string WorkingDirectory(BundleRequest request)
    {
        string dir = request.InstallDirectory.TrimEnd('/');
        if (dir.StartsWith('/')) return dir;
        return request.ServiceUser switch
        {
            null => $"%h/{dir}",   // %h: the home of the user running the user service manager
            "root" => $"/root/{dir}",
            var user => $"/home/{user}/{dir}",
        };
    }
}
