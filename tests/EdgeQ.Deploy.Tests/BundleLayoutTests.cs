namespace EdgeQ.Deploy.Tests;

public sealed class BundleLayoutTests : IDisposable
{
    private readonly TestBundles _bundles = new();

    [Fact]
    public void LaysOutExecutableModelUnitAndReadme()
    {
        string model = _bundles.Model("classifier", 5);
        var bundle = _bundles.Create("out", model);

        Assert.Equal(BundleFiles.All, bundle.Files);
        Assert.Equal(File.ReadAllBytes(model), File.ReadAllBytes(bundle.PathOf(BundleFiles.Model)));
        Assert.Equal(File.ReadAllBytes(_bundles.Runtime), File.ReadAllBytes(bundle.PathOf(BundleFiles.Executable)));
        Assert.True(File.GetUnixFileMode(bundle.PathOf(BundleFiles.Executable)).HasFlag(UnixFileMode.UserExecute));
        Assert.False(File.GetUnixFileMode(bundle.PathOf(BundleFiles.Model)).HasFlag(UnixFileMode.UserExecute));
        Assert.DoesNotContain(Directory.GetDirectories(_bundles.Root), d => d.Contains(".partial-"));
    }

    [Fact]
    public void UserUnitRunsTheCameraLoopFromTheHomeInstallFolderAndRestartsOnFailure()
    {
        var bundle = _bundles.Create("out", _bundles.Model("m", 3));
        string unit = File.ReadAllText(bundle.PathOf(BundleFiles.ServiceUnit));

        Assert.Contains("ExecStart=%h/edgeq/edgeq-run camera model.eqm --device /dev/video0\n", unit);
        Assert.Contains("WorkingDirectory=%h/edgeq\n", unit);
        Assert.Contains("Restart=on-failure\n", unit);
        Assert.Contains("WantedBy=default.target\n", unit);
        Assert.DoesNotContain("User=", unit);
    }

    [Fact]
    public void SystemUnitNamesTheUserAndAnAbsoluteFolder()
    {
        var request = new BundleRequest(TestBundles.Pi5, _bundles.Runtime, null, Path.Combine(_bundles.Root, "sys"))
        {
            ServiceUser = "pi",
        };
        string unit = File.ReadAllText(BundleLayout.Create(request).PathOf(BundleFiles.ServiceUnit));

        Assert.Contains("User=pi\n", unit);
        Assert.Contains("WorkingDirectory=/home/pi/edgeq\n", unit);
        Assert.Contains("ExecStart=/home/pi/edgeq/edgeq-run camera model.eqm", unit);
        Assert.Contains("WantedBy=multi-user.target\n", unit);
    }

    [Fact]
    public void ReadmeStatesTheGlibcRequirementAndTheServiceCommands()
    {
        var bundle = _bundles.Create("out", _bundles.Model("m", 3));
        string readme = File.ReadAllText(bundle.PathOf(BundleFiles.Readme));

        Assert.Contains("glibc 2.34", readme);
        Assert.Contains("Raspberry Pi OS Bullseye and JetPack 4/5", readme);
        Assert.Contains("systemctl --user enable --now edgeq-camera.service", readme);
        Assert.Contains("ExecStart=%h/edgeq/edgeq-run camera model.eqm --device /dev/video0 --gpio 17", readme);
        Assert.Contains("linux-arm64", readme);
        Assert.Contains("gpiochip4", readme);
    }

    [Fact]
    public void BundleWithoutModelSaysSo()
    {
        var bundle = _bundles.Create("runtime-only", model: null);

        Assert.False(bundle.HasModel);
        Assert.Contains("no model", File.ReadAllText(bundle.PathOf(BundleFiles.Readme)));
    }

    [Fact]
    public void RepublishingReplacesAnEarlierBundle()
    {
        _bundles.Create("out", _bundles.Model("first", 3));
        string second = _bundles.Model("second", 7);
        var bundle = _bundles.Create("out", second);

        Assert.Equal(File.ReadAllBytes(second), File.ReadAllBytes(bundle.PathOf(BundleFiles.Model)));
    }

    [Fact]
    public void RefusesToReplaceAFolderWithOtherFilesAndLeavesItAlone()
    {
        string output = Path.Combine(_bundles.Root, "mine");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "thesis.tex"), "precious");

        var error = Assert.Throws<DeployException>(() =>
            BundleLayout.Create(new BundleRequest(TestBundles.Pi5, _bundles.Runtime, null, output)));

        Assert.Contains("thesis.tex", error.Message);
        Assert.Equal(["thesis.tex"], Directory.GetFileSystemEntries(output).Select(Path.GetFileName));
    }

    [Fact]
    public void RefusesACorruptModelWithTheFormatError()
    {
        string model = _bundles.Model("m", 3);
        byte[] bytes = File.ReadAllBytes(model);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(model, bytes);

        var error = Assert.Throws<DeployException>(() => _bundles.Create("out", model));

        Assert.Contains("is not a valid .eqm model", error.Message);
        Assert.False(Directory.Exists(Path.Combine(_bundles.Root, "out")));
    }

    [Fact]
    public void RefusesMissingFiles()
    {
        var noRuntime = new BundleRequest(TestBundles.Pi5, "/nonexistent/edgeq-run", null, Path.Combine(_bundles.Root, "a"));
        var noModel = new BundleRequest(TestBundles.Pi5, _bundles.Runtime, "/nonexistent/m.eqm", Path.Combine(_bundles.Root, "b"));

        Assert.StartsWith("edgeq-run executable not found", Assert.Throws<DeployException>(() => BundleLayout.Create(noRuntime)).Message);
        Assert.StartsWith("model not found", Assert.Throws<DeployException>(() => BundleLayout.Create(noModel)).Message);
        Assert.Contains("edgeq-run is missing", Assert.Throws<DeployException>(() => Bundle.Open(_bundles.Root)).Message);
    }

    public void Dispose() => _bundles.Dispose();
}
