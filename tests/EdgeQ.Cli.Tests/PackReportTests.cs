using System.Text.Json;
using System.Text.RegularExpressions;

namespace EdgeQ.Cli.Tests;

public sealed class PackReportTests : IDisposable
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private readonly string folder = Directory.CreateTempSubdirectory("edgeq-report-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Report_html_embeds_the_shift_plot_and_the_accuracy_table_beside_the_per_layer_json()
    {
        string report = Path.Combine(folder, "report");
        var run = CliRun.Of("pack", "--out", Path.Combine(folder, "fixture.eqm"), "--calib-count", "64", "--report", report);
        Assert.True(run.ExitCode == 0, run.Stderr);

        string html = File.ReadAllText(Path.Combine(report, "report.html"));
        var images = Regex.Matches(html, "src=\"data:image/png;base64,([^\"]+)\"");
        Assert.Equal(2, images.Count);   // the shift plot and the per-layer SQNR plot
        foreach (Match plot in images)
        {
            byte[] png = Convert.FromBase64String(plot.Groups[1].Value);
            Assert.Equal(PngSignature, png[..PngSignature.Length]);
        }
        Assert.Matches(@"<pre class=""accuracy"">[^<]*int8\s+\d+\.\d %", html);
        Assert.Contains("Per-layer SQNR", html);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "report.json")));
        var layers = json.RootElement.GetProperty("layers").EnumerateArray().ToList();
        Assert.NotEmpty(layers);
        string[] perLayer = ["name", "channels", "shift_before_mean", "shift_before_spread", "shift_after_mean", "shift_after_spread", "accepted"];
        Assert.All(layers, l => Assert.All(perLayer, key => Assert.True(l.TryGetProperty(key, out _), key)));
        // Every layer's name appears in the HTML's layer table, in the order of the plot's x axis.
        int position = 0;
        foreach (var layer in layers)
        {
            position = html.IndexOf($">{layer.GetProperty("name").GetString()}<", position, StringComparison.Ordinal);
            Assert.True(position >= 0, layer.GetProperty("name").GetString());
        }
    }

    [Fact]
    public void Without_iterative_correction_the_page_says_the_shifts_were_not_measured_instead_of_plotting_nothing()
    {
        string report = Path.Combine(folder, "report");
        var run = CliRun.Of("pack", "--out", Path.Combine(folder, "fixture.eqm"), "--calib-count", "16", "--bias-correction", "none", "--report", report);
        Assert.True(run.ExitCode == 0, run.Stderr);
        string html = File.ReadAllText(Path.Combine(report, "report.html"));
        Assert.Single(Regex.Matches(html, "data:image/png"));   // the per-layer SQNR plot, measured without correction too
        Assert.Contains("Not measured: only iterative correction", html);
    }
}
