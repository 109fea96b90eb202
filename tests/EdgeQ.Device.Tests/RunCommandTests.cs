using EdgeQ.Format;
using EdgeQ.Runtime;
using EdgeQ.Runtime.Kernels;

namespace EdgeQ.Device.Tests;

/// <summary>edgeq-run run in-process: the output file holds the API's bytes, errors are one line with exit 2.</summary>
public class RunCommandTests
{
    [Theory]
    [InlineData("mobilenet-like")]
    [InlineData("unet-like")]
    [InlineData("fashion-grey")]
    public void Run_writes_every_output_concatenated_as_the_api_computes_them(string name)
    {
        string dir = RunModelFiles.Directory(name);
        string model = Path.Combine(dir, "model.eqm"), output = Path.Combine(dir, "out.bin");
        var (exitCode, stdout, stderr) = RunModelFiles.InProcess("run", model, "--input", Path.Combine(dir, "in.bin"), "--output", output, "--repeat", "2");
        Assert.True(exitCode == 0, stderr);
        Assert.Contains($"kernels: {KernelVariants.Best.Name()} (gemm", stdout);

        using InferenceModel api = InferenceModel.Open(model);
        var expected = new sbyte[api.OutputBytes];
        api.Run(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(RunModelFiles.Input(name)), expected);
        Assert.Equal(expected.Select(v => (byte)v), File.ReadAllBytes(output));
        Assert.Equal(["in.bin", "model.eqm", "out.bin"], Directory.GetFiles(dir).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Forced_reference_kernels_give_the_same_bytes()
    {
        string dir = RunModelFiles.Directory("mobilenet-like");
        string[] common = ["run", Path.Combine(dir, "model.eqm"), "--input", Path.Combine(dir, "in.bin")];
        Assert.Equal(0, RunModelFiles.InProcess([.. common, "--output", Path.Combine(dir, "best.bin"), "--threads", "2"]).ExitCode);
        var (exitCode, stdout, _) = RunModelFiles.InProcess([.. common, "--output", Path.Combine(dir, "ref.bin"), "--kernels", "reference", "--threads", "1"]);
        Assert.Equal(0, exitCode);
        Assert.Contains("kernels: reference (gemm reference 1x1c1", stdout);
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "best.bin")), File.ReadAllBytes(Path.Combine(dir, "ref.bin")));
    }

    [Fact]
    public void A_wrong_input_size_is_one_line_and_exit_2()
    {
        string dir = RunModelFiles.Directory("mobilenet-like");
        File.WriteAllBytes(Path.Combine(dir, "short.bin"), new byte[100]);
        var (exitCode, stdout, stderr) = RunModelFiles.InProcess("run", Path.Combine(dir, "model.eqm"), "--input", Path.Combine(dir, "short.bin"),
            "--output", Path.Combine(dir, "out.bin"));
        Assert.Equal(2, exitCode);
        Assert.Equal($"edgeq-run: error: {Path.Combine(dir, "short.bin")} holds 100 bytes; the model's input is Int8 [1, 32, 32, 3] = 3072 bytes\n", stderr);
        Assert.Equal("", stdout);
        Assert.False(File.Exists(Path.Combine(dir, "out.bin")));
    }

    [Fact]
    public void A_failed_write_leaves_no_partial_file()
    {
        string dir = RunModelFiles.Directory("mobilenet-like");
        string target = Path.Combine(dir, "is-a-directory");
        Directory.CreateDirectory(target);
        var (exitCode, _, stderr) = RunModelFiles.InProcess("run", Path.Combine(dir, "model.eqm"), "--input", Path.Combine(dir, "in.bin"), "--output", target);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("IOException", stderr);
        Assert.Equal(["in.bin", "model.eqm"], Directory.GetFiles(dir).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void A_corrupt_model_prints_the_format_error_and_exits_2()
    {
        string dir = RunModelFiles.Directory("mobilenet-like");
        string model = Path.Combine(dir, "model.eqm");
        byte[] bytes = File.ReadAllBytes(model);
        bytes[^100] ^= 0x5A;   // inside the blobs: caught by the section checksum
        File.WriteAllBytes(model, bytes);
        string reason = Assert.Throws<EqmFormatException>(() => EqmReader.Read(bytes)).Message;
        foreach (string command in new[] { "run", "info", "bench" })
        {
            string[] args = command == "run" ? [command, model, "--input", Path.Combine(dir, "in.bin"), "--output", Path.Combine(dir, "o.bin")] : [command, model];
            var (exitCode, _, stderr) = RunModelFiles.InProcess(args);
            Assert.Equal(2, exitCode);
            Assert.Equal($"edgeq-run: error: {model}: {reason}\n", stderr);
        }
    }

    [Fact]
    public void Missing_files_and_bad_options_are_usage_errors()
    {
        string dir = RunModelFiles.Directory("mobilenet-like");
        string model = Path.Combine(dir, "model.eqm");
        var missing = RunModelFiles.InProcess("info", Path.Combine(dir, "nope.eqm"));
        Assert.Equal(2, missing.ExitCode);
        Assert.StartsWith("edgeq-run: error: Could not find file", missing.Stderr);
        var badKernels = RunModelFiles.InProcess("run", model, "--input", "x", "--output", "y", "--kernels", "sse9");
        Assert.Equal(2, badKernels.ExitCode);
        Assert.Equal("edgeq-run: error: --kernels must be one of reference, vector128, avx2, avxvnni, neon, neondot, not 'sse9'\n", badKernels.Stderr);
        var noInput = RunModelFiles.InProcess("run", model, "--output", "y");
        Assert.Equal(2, noInput.ExitCode);
        Assert.Equal("edgeq-run: error: --input IN.bin is required. See 'edgeq-run run --help'.\n", noInput.Stderr);
        if (!KernelVariants.IsSupported(KernelVariant.Neon))
        {
            var neon = RunModelFiles.InProcess("info", model, "--kernels", "neon");
            Assert.Equal(2, neon.ExitCode);
            Assert.Equal($"edgeq-run: error: {model}: kernel variant 'neon' is not supported on this CPU\n", neon.Stderr);
        }
    }

    [Theory]
    [InlineData("run")]
    [InlineData("info")]
    [InlineData("bench")]
    [InlineData("selftest")]
    public void Every_model_command_has_help(string command)
    {
        var (exitCode, stdout, _) = RunModelFiles.InProcess(command, "--help");
        Assert.Equal(0, exitCode);
        Assert.Contains($"Usage: edgeq-run {command} [options]", stdout);
        Assert.Contains("--kernels VARIANT", stdout);
    }
}
