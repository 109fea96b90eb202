using System.Diagnostics;
using System.Text.Json;
using EdgeQ.Tests;

namespace EdgeQ.Benchmarks.Tests;

/// <summary>tools/arm-bench/report.py on hand-made arm-icount outputs: per-inference figures are (3 runs - 1 run) / 2,
/// and the per-layer split of `run.sh --layers` becomes a table row per layer.</summary>
public sealed class ArmReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeq-arm-report-").FullName;

    public ArmReportTests()
    {
        string counts = Directory.CreateDirectory(Path.Combine(_dir, "counts")).FullName;
        File.WriteAllText(Path.Combine(_dir, "models.tsv"), "tiny\ttiny.onnx\ttiny.eqm\ttiny.bin\t4000000\n");
        WriteCount(counts, "tiny.a72.edgeq.1.txt", 5_000_000, smull: 300_000);
        WriteCount(counts, "tiny.a72.edgeq.3.txt", 9_000_000, smull: 700_000);
        WriteCount(counts, "tiny.a72.ort_int8.1.txt", 7_000_000, smull: 400_000);
        WriteCount(counts, "tiny.a72.ort_int8.3.txt", 15_000_000, smull: 1_200_000);
        File.WriteAllText(Path.Combine(counts, "tiny.a72.edgeq.layers.json"), """
            [{"index": 0, "op": "Conv2D", "name": "c0", "input": "[1, 4, 4, 3]", "output": "[1, 4, 4, 8]", "macs": 3000000,
              "instructions": 1500000, "classes": {"mac": 600000, "requantize": 300000, "loads": 200000, "stores": 50000, "other": 350000},
              "top": [{"name": "GemmDriver__Run", "instructions": 1400000}]},
             {"index": 1, "op": "Add", "name": "a0", "input": "[1, 4, 4, 8]", "output": "[1, 4, 4, 8]", "macs": 0,
              "instructions": 500000, "classes": {"mac": 0, "requantize": 100000, "loads": 100000, "stores": 20000, "other": 280000},
              "top": [{"name": "BinaryVector128", "instructions": 500000}]}]
            """);
    }

    [Fact]
    public void Per_inference_counts_are_half_the_difference_of_three_runs_and_one()
    {
        using JsonDocument records = JsonDocument.Parse(Report("--json"));
        JsonElement record = Assert.Single(records.RootElement.EnumerateArray().ToArray());
        Assert.Equal("cortex-a72", record.GetProperty("core").GetString());
        Assert.Equal(2_000_000, record.GetProperty("edgeq_instructions").GetInt64());
        Assert.Equal(4_000_000, record.GetProperty("ort_int8_instructions").GetInt64());
        Assert.Equal(JsonValueKind.Null, record.GetProperty("ort_fp32_instructions").ValueKind);
        Assert.Equal(200_000, record.GetProperty("edgeq_mix").GetProperty("smull").GetInt64());
    }

    [Fact]
    public void The_table_gives_ratios_and_a_row_per_layer()
    {
        string table = Report();
        Assert.Contains("| tiny | cortex-a72 | 2.0 M | 4.0 M | n/a | 0.50x | n/a | 2.00 |", table);
        Assert.Contains("| 0 | Conv2D | [1, 4, 4, 8] | 3,000,000 | 1.500 | 2.00 | 0.60 / 0.30 / 0.25 |", table);
        Assert.Contains("| 1 | Add | [1, 4, 4, 8] | 0 | 0.500 |  | 0.00 / 0.10 / 0.12 |", table);
    }

    private static void WriteCount(string dir, string name, long total, long smull)
        => File.WriteAllText(Path.Combine(dir, name),
            $"exit 0  guest instructions {total:N0}  blocks executed 1  unmatched 0\n  smull      {smull,14:N0}    1.0 %\n");

    private string Report(params string[] args)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RepoPaths.Root, "tools", "arm-bench", "report.py"));
        start.ArgumentList.Add(_dir);
        foreach (string arg in args) start.ArgumentList.Add(arg);
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd(), errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, errors);
        return output;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
