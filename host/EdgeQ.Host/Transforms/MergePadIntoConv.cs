using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Transforms;

/// <summary>Moves a zero constant Pad over the spatial axes into the padding of the Conv that reads it.</summary>
public static class MergePadIntoConv
{
    public static int Run(Graph graph)
    {
        int merged = 0;
        foreach (var pad in graph.Nodes.OfType<PadNode>().ToList())
        {
            if (pad.Mode != PadMode.Constant || pad.ConstantValue != 0 || pad.Input.Rank != 4 || !graph.HasSingleUse(pad.Output)) continue;
            if (graph.Consumers(pad.Output)[0] is not ConvNode conv || conv.Input != pad.Output) continue;
            var (h, w) = conv.DataLayout == Layout.Nhwc ? (1, 2) : (2, 3);
            int[] p = pad.Pads;
            bool spatialOnly = Enumerable.Range(0, 4).All(axis => axis == h || axis == w || p[axis] == 0 && p[axis + 4] == 0);
            if (!spatialOnly) continue;
            var window = conv.Window;
            conv.Window = window with
            {
                PadTop = window.PadTop + p[h], PadLeft = window.PadLeft + p[w],
                PadBottom = window.PadBottom + p[h + 4], PadRight = window.PadRight + p[w + 4],
            };
            conv.Inputs[0] = pad.Input;
            graph.Nodes.Remove(pad);
            merged++;
        }
        return merged;
    }
}
