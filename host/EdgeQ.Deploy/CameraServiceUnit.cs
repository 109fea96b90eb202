namespace EdgeQ.Deploy;

/// <summary>The systemd unit that keeps <c>edgeq-run camera</c> running on the board.</summary>
internal static class CameraServiceUnit
{
    public static string Render(BundleRequest request)
    {
        var board = request.Board;
        bool systemUnit = request.ServiceUser is not null;
        string directory = WorkingDirectory(request);
        // A user unit runs under the login user already; a system unit must name the user, and gets the camera and
        // GPIO groups explicitly because system services do not inherit a login session's groups.
        string identity = systemUnit
            ? $"User={request.ServiceUser}\nSupplementaryGroups=video gpio\n"
            : "";
        string wantedBy = systemUnit ? "multi-user.target" : "default.target";
        return $"""
            [Unit]
            Description=EdgeQ camera inference ({board.Id})
            After=network-online.target

            [Service]
            {identity}WorkingDirectory={directory}
            ExecStart={directory}/{BundleFiles.Executable} camera {BundleFiles.Model} --device {board.CameraDevice}
            # A crash or a camera error restarts the loop; the pause keeps a broken camera from spinning the CPU.
            Restart=on-failure
            RestartSec=3

            [Install]
            WantedBy={wantedBy}

            """;
    }

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
