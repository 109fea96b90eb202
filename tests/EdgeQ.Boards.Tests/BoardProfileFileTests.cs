using System.Diagnostics;
using EdgeQ.Boards;
using EdgeQ.Tests;

namespace EdgeQ.Boards.Tests;

/// <summary>Checks the real files in boards/ against the schema and against the tools they name.</summary>
public class BoardProfileFileTests
{
    private static readonly string BoardsDirectory = Path.Combine(RepoPaths.Root, "boards");

    public static TheoryData<string> ProfileFiles() =>
        new(Directory.GetFiles(BoardsDirectory, "*.json").Select(Path.GetFileName).Order()!);

    [Theory]
    [MemberData(nameof(ProfileFiles))]
    public void Every_profile_file_satisfies_the_schema(string fileName)
    {
        var board = BoardCatalog.Parse(File.ReadAllText(Path.Combine(BoardsDirectory, fileName)), fileName);
        Assert.Equal(fileName, board.Id + ".json");
    }

    [Fact]
    public void The_embedded_profiles_are_exactly_the_files_in_boards()
    {
        var embedded = BoardCatalog.EmbeddedFiles().ToDictionary(f => f.FileName, f => f.Json);
        var onDisk = Directory.GetFiles(BoardsDirectory, "*.json").ToDictionary(path => Path.GetFileName(path), File.ReadAllText);
        Assert.Equal(onDisk.Keys.Order(), embedded.Keys.Order());
        foreach (var (name, json) in onDisk)
            Assert.Equal(json, embedded[name]);
    }

    [Fact]
    public void The_catalog_holds_the_six_supported_boards_with_unique_ids()
    {
        var ids = BoardCatalog.All.Select(b => b.Id).ToList();
        Assert.Equal(["jetson-nano", "jetson-orin-nano", "pi3b", "pi4b", "pi5", "pizero2w"], ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void The_sdot_boards_are_exactly_the_armv8_2_boards()
    {
        Assert.Equal(["jetson-orin-nano", "pi5"], BoardCatalog.All.Where(b => b.Has("dotprod")).Select(b => b.Id));
        Assert.All(BoardCatalog.All, b => Assert.Equal(b.Has("dotprod"), b.IsaLevel == "armv8.2-a"));
    }

    [Fact]
    public void Every_profile_warns_about_the_glibc_the_binary_needs()
    {
        Assert.All(BoardCatalog.All, b => Assert.Contains(b.Notes, n => n.Contains("glibc 2.34", StringComparison.Ordinal)));
    }

    [Fact]
    public void Every_qemu_cpu_model_in_the_profiles_and_schema_is_offered_by_qemu()
    {
        var offered = QemuCpuModels();
        Assert.All(BoardCatalog.All, b => Assert.Contains(b.QemuCpu, offered));
        Assert.All(BoardSchema.QemuCpuFeatures.Keys, model => Assert.Contains(model, offered));
    }

    [Theory]
    [InlineData("Raspberry Pi 5 Model B Rev 1.0\0", "pi5")]
    [InlineData("Raspberry Pi 4 Model B Rev 1.4\0", "pi4b")]
    [InlineData("Raspberry Pi 3 Model B Rev 1.2\0", "pi3b")]
    [InlineData("Raspberry Pi Zero 2 W Rev 1.0\0", "pizero2w")]
    [InlineData("NVIDIA Jetson Nano Developer Kit\0", "jetson-nano")]
    [InlineData("NVIDIA Jetson Orin Nano Developer Kit\0", "jetson-orin-nano")]
    [InlineData("Raspberry Pi 3 Model B Plus Rev 1.3\0", null)] // the 3B+ is a different board (1.4 GHz)
    [InlineData("Raspberry Pi Compute Module 4 Rev 1.0\0", null)]
    [InlineData("", null)]
    public void A_device_tree_model_finds_its_board(string model, string? expectedId)
    {
        Assert.Equal(expectedId, BoardCatalog.FindByDeviceTreeModel(model)?.Id);
    }

    [Fact]
    public void Json_output_parses_back_to_the_same_profiles()
    {
        foreach (var board in BoardCatalog.All)
        {
            var json = BoardCatalog.ToJson(board);
            Assert.Equal(json, BoardCatalog.ToJson(BoardCatalog.Parse(json, board.Id + ".json")));
        }
    }

    private static HashSet<string> QemuCpuModels()
    {
        const string qemu = "qemu-aarch64-static";
        Process process;
        try
        {
            process = Process.Start(new ProcessStartInfo(qemu, "-cpu help") { RedirectStandardOutput = true })!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Fail($"{qemu} is not installed; run tools/setup.sh (Debian package qemu-user-static)");
            throw;
        }
        var lines = process.StandardOutput.ReadToEnd().Split('\n');
        process.WaitForExit();
        return lines.Skip(1).Select(l => l.Trim()).Where(l => l.Length > 0).ToHashSet();
    }
}
