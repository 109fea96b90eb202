using System.Globalization;
using System.Net;
using System.Text;
using EdgeQ.Cli.Commands;
using EdgeQ.Host.Correction;
using EdgeQ.Host.Evaluation;
using ScottPlot;

namespace EdgeQ.Cli.Reporting;

/// <summary>
/// report.html of <c>pack --report</c>: one self-contained page (plots embedded as base64 PNG) with the per-layer
/// activation shift and SQNR before and after correction and the accuracy table. It lives in the CLI, not in EdgeQ.Host, so the
/// library keeps no native Skia dependency.
/// </summary>
public static class PackReportHtml
{
    public static string Render(string modelPath, IReadOnlyList<LayerCorrection> corrections, LayerSqnrComparison layerSqnr, AccuracyReport? accuracy)
    {
        var html = new StringBuilder();
        html.Append($$"""
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>EdgeQ pack report: {{Encode(Path.GetFileName(modelPath))}}</title>
            <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}</style>
            </head><body>
            <h1>EdgeQ pack report</h1><p>Model: {{Encode(modelPath)}}</p>
            <h2>Mean activation shift per layer</h2>
            {{ShiftSection(corrections)}}
            <h2>Per-layer SQNR</h2>
            {{SqnrSection(layerSqnr)}}
            <h2>Accuracy</h2>

            """);
        if (accuracy is null) html.Append("<p>Not measured: accuracy is evaluated only for the bundled fixture.</p>\n");
        else
        {
            var table = new StringWriter(CultureInfo.InvariantCulture);
            EvalCommand.WriteTable(table, accuracy);
            html.Append($"<pre class=\"accuracy\">{Encode(table.ToString())}</pre>\n");
        }
        html.Append("<h2>Layers</h2>\n<table><tr><th>#</th><th>layer</th><th>channels</th><th>shift before</th><th>spread before</th><th>shift after</th><th>spread after</th><th>accepted</th></tr>\n");
        for (int i = 0; i < corrections.Count; i++)
        {
            var c = corrections[i];
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{i}</td><td style=\"text-align:left\">{Encode(c.Layer)}</td><td>{c.Channels}</td><td>{c.Before.Mean:G4}</td><td>{c.Before.Spread:G4}</td><td>{c.After.Mean:G4}</td><td>{c.After.Spread:G4}</td><td>{(c.Accepted ? "yes" : "no")}</td></tr>\n");
        }
        html.Append("</table>\n</body></html>\n");
        return html.ToString();
    }

    private static string ShiftSection(IReadOnlyList<LayerCorrection> corrections) => corrections.Count == 0
        // Only iterative correction measures the shifts; an empty plot would look like a measured zero.
        ? "<p>Not measured: only iterative correction (--bias-correction iterative) measures per-layer shifts.</p>"
        : $"""
          <p>Quantized minus float pre-activation mean, averaged over the layer's channels; error bars are the spread
          (standard deviation over channels). Measured on the correction images.</p>
          <img alt="activation shift per layer" src="data:image/png;base64,{Convert.ToBase64String(ShiftPlot(corrections))}">
          """;

    private static string SqnrSection(LayerSqnrComparison sqnr) => $"""
        <p>Each layer's output (after its fused activation): float against the int8 runtime's dequantized output,
        10 log10(sum f^2 / sum (f - q)^2) over {sqnr.Images} images not used for calibration (the evaluation images
        when the pack evaluates; the calibration images when every image calibrated). The last layer's figure is the
        output SQNR when it writes the model output.</p>
        <img alt="SQNR per layer" src="data:image/png;base64,{Convert.ToBase64String(SqnrPlot(sqnr))}">
        """;

    /// <summary>SQNR per layer, before correction (when one was applied) and as packed, layer index on the x axis.</summary>
    private static byte[] SqnrPlot(LayerSqnrComparison sqnr)
    {
        var plot = new Plot();
        double[] xs = Enumerable.Range(0, sqnr.After.Count).Select(i => (double)i).ToArray();
        if (sqnr.Before is { } before)
            plot.Add.Scatter(xs, before.Select(l => l.SqnrDb).ToArray(), Colors.OrangeRed).LegendText = "before correction";
        plot.Add.Scatter(xs, sqnr.After.Select(l => l.SqnrDb).ToArray(), Colors.SteelBlue).LegendText = sqnr.Before is null ? "packed" : "after correction";
        plot.XLabel("layer (order of report.json's layer_sqnr)");
        plot.YLabel("SQNR (dB)");
        plot.ShowLegend(Edge.Right);
        return plot.GetImageBytes(1000, 420, ImageFormat.Png);
    }

    /// <summary>Shift mean with its spread as error bars, before and after correction, layer index on the x axis.</summary>
    private static byte[] ShiftPlot(IReadOnlyList<LayerCorrection> corrections)
    {
        var plot = new Plot();
        // Half a step apart so the two error bars of a layer do not hide each other.
        AddShiftSeries(plot, corrections, c => c.Before, xOffset: -0.15, Colors.OrangeRed, "before correction");
        AddShiftSeries(plot, corrections, c => c.After, xOffset: 0.15, Colors.SteelBlue, "after correction");
        plot.Add.HorizontalLine(0, color: Colors.Gray);
        plot.XLabel("layer (index in the table below)");
        plot.YLabel("quantized - float mean (real units)");
        plot.ShowLegend(Edge.Right);   // beside the axes, where it hides no error bar
        return plot.GetImageBytes(1000, 420, ImageFormat.Png);
    }

    private static void AddShiftSeries(Plot plot, IReadOnlyList<LayerCorrection> corrections, Func<LayerCorrection, ShiftSummary> shift,
        double xOffset, Color color, string legend)
    {
        double[] xs = Enumerable.Range(0, corrections.Count).Select(i => i + xOffset).ToArray();
        double[] means = corrections.Select(c => shift(c).Mean).ToArray();
        var errors = plot.Add.ErrorBar(xs, means, corrections.Select(c => shift(c).Spread).ToArray());
        errors.Color = color;
        var markers = plot.Add.ScatterPoints(xs, means, color);
        markers.LegendText = legend;
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
