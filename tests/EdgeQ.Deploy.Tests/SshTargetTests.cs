namespace EdgeQ.Deploy.Tests;

public sealed class SshTargetTests
{
    [Theory]
    [InlineData("pi@raspberrypi.local", "pi", "raspberrypi.local", 22)]
    [InlineData("pi@192.168.1.20:2222", "pi", "192.168.1.20", 2222)]
    [InlineData("ubuntu@[fe80::1]:22", "ubuntu", "fe80::1", 22)]
    [InlineData("  root@jetson  ", "root", "jetson", 22)]
    public void ParsesUserHostAndPort(string text, string user, string host, int port) =>
        Assert.Equal(new SshTarget(user, host, port), SshTarget.Parse(text));

    [Theory]
    [InlineData("raspberrypi.local")]
    [InlineData("pi@")]
    [InlineData("pi@host:0")]
    [InlineData("pi@host:70000")]
    [InlineData("pi@host:22:33")]
    public void RejectsMalformedTargets(string text) =>
        Assert.Throws<DeployException>(() => SshTarget.Parse(text));

    [Fact]
    public void HostsFileSkipsCommentsAndNamesTheBadLine()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "# lab boards\npi@10.0.0.5\n\npi@10.0.0.6:2200  # the spare\n");
            Assert.Equal([new SshTarget("pi", "10.0.0.5"), new SshTarget("pi", "10.0.0.6", 2200)], SshTarget.ParseHostsFile(path));

            File.AppendAllText(path, "10.0.0.7\n");
            Assert.StartsWith($"{path}:5:", Assert.Throws<DeployException>(() => SshTarget.ParseHostsFile(path)).Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
