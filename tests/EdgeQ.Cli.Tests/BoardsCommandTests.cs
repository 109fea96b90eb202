using System.Text.Json;
using EdgeQ.Boards;

namespace EdgeQ.Cli.Tests;

public class BoardsCommandTests
{
    [Fact]
    public void The_table_has_a_header_and_one_row_per_board()
    {
        var run = CliRun.Of("boards");
        Assert.Equal(0, run.ExitCode);
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("ID", lines[0]);
        Assert.Equal(BoardCatalog.All.Count + 1, lines.Length);
        foreach (var board in BoardCatalog.All)
        {
            var row = Assert.Single(lines, l => l.StartsWith(board.Id + " ", StringComparison.Ordinal));
            Assert.Contains(board.Name, row);
            Assert.Contains(board.QemuCpu, row);
        }
        // Columns line up: every row starts its second column where the header does.
        int boardColumn = lines[0].IndexOf("BOARD", StringComparison.Ordinal);
        Assert.All(lines.Skip(1), l => Assert.NotEqual(' ', l[boardColumn]));
    }

    [Fact]
    public void Json_lists_every_profile()
    {
        var run = CliRun.Of("boards", "--json");
        Assert.Equal(0, run.ExitCode);
        using var document = JsonDocument.Parse(run.Stdout);
        var ids = document.RootElement.EnumerateArray().Select(b => b.GetProperty("id").GetString()).ToList();
        Assert.Equal(BoardCatalog.All.Select(b => b.Id), ids);
        Assert.All(document.RootElement.EnumerateArray(), b => Assert.True(b.TryGetProperty("qemuCpu", out _)));
    }

    [Fact]
    public void One_board_shows_its_whole_profile_and_notes()
    {
        var run = CliRun.Of("boards", "pi5");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("armv8.2-a,dotprod", run.Stdout);
        Assert.Contains("gpiochip4 (pinctrl-rp1)", run.Stdout);
        Assert.Contains("note: edgeq-run needs glibc 2.34", run.Stdout);
    }

    [Fact]
    public void One_board_as_json_parses_back_to_the_profile()
    {
        var run = CliRun.Of("boards", "pi4b", "--json");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("pi4b", BoardCatalog.Parse(run.Stdout, "pi4b.json").Id);
    }
}
