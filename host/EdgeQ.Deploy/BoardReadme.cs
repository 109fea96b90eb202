namespace EdgeQ.Deploy;

/// <summary>The README that travels with a bundle: what is in it and how to run it on the board.</summary>
internal static class BoardReadme
{
    public static string Render(BundleRequest request, bool hasModel)
    {
        var board = request.Board;
        string dir = request.InstallDirectory.StartsWith('/') ? request.InstallDirectory : $"~/{request.InstallDirectory}";
        string unit = BundleFiles.ServiceUnit;
        string modelLine = hasModel
            ? $"- `{BundleFiles.Model}`: the int8 model."
            : $"- no model: copy one to `{dir}/{BundleFiles.Model}` before starting the service.";
        bool userUnit = request.ServiceUser is null;
        string systemctl = userUnit ? "systemctl --user" : "sudo systemctl";
        string journalctl = userUnit ? "journalctl --user" : "sudo journalctl";
        string install = userUnit
            ? $"""
              The unit is a user service (no root needed). Install and start it:

                  mkdir -p ~/.config/systemd/user
                  cp {dir}/{unit} ~/.config/systemd/user/
                  systemctl --user daemon-reload
                  systemctl --user enable --now {unit}
                  sudo loginctl enable-linger $USER   # start at boot, without a login
              """
            : $"""
              The unit is a system service that runs as `{request.ServiceUser}`. Install and start it:

                  sudo cp {dir}/{unit} /etc/systemd/system/
                  sudo systemctl daemon-reload
                  sudo systemctl enable --now {unit}
              """;
        return $"""
            # EdgeQ bundle for {board.Id}

            - `{BundleFiles.Executable}`: the EdgeQ runtime, a self-contained NativeAOT executable for `{board.RuntimeIdentifier}`.
            {modelLine}
            - `{unit}`: systemd unit that runs the camera loop and restarts it on failure.

            ## Requirements
            `{BundleFiles.Executable}` needs glibc 2.34 or newer (check with `ldd --version`). Raspberry Pi OS Bookworm,
            Ubuntu 22.04 and newer have it; **Raspberry Pi OS Bullseye and JetPack 4/5 (Ubuntu 18.04/20.04) cannot start
            the binary** (`GLIBC_2.34 not found`): upgrade the OS (JetPack 6) first.

            Board defaults for this bundle: camera `{board.CameraDevice}`, GPIO chip `{board.GpioChip}`,
            {board.DefaultThreads} inference threads. The service user must be in the `video` and `gpio` groups
            (`sudo usermod -aG video,gpio USER`, then log in again).

            ## Install
            Copy this folder to `{dir}` on the board (`edgeq deploy` does it over SSH), then check the model loads:

                cd {dir}
                ./{BundleFiles.Executable} info {BundleFiles.Model}

            ## Camera service
            {install}

            Logs: `{journalctl} -u {unit} -f`. Options such as a GPIO rule go into a
            drop-in, which a redeploy leaves alone: run `{systemctl} edit {unit}` and enter

                [Service]
                ExecStart=
                ExecStart={CameraServiceUnit.ExecStart(request)} --gpio 17 --on "person>=0.6"

            """;
    }
}
