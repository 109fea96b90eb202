namespace EdgeQ.Host.Ir;

/// <summary>How a value's data is laid out relative to its ONNX meaning.</summary>
public enum Layout
{
    /// <summary>Stored in ONNX order (for 4-D activations that is NCHW).</summary>
    Plain,
    /// <summary>A 4-D ONNX NCHW tensor stored as NHWC, the int8 runtime's layout.</summary>
    Nhwc,
}

/// <summary>The NCHW &lt;-&gt; NHWC permutations, used wherever a layout changes.</summary>
public static class Nhwc
{
    /// <summary>Transposing NCHW data by this gives NHWC.</summary>
    public static readonly int[] FromNchw = [0, 2, 3, 1];
    /// <summary>Transposing NHWC data by this gives NCHW.</summary>
    public static readonly int[] ToNchw = [0, 3, 1, 2];

    /// <summary>Where ONNX (NCHW) axis a of a 4-D tensor sits in NHWC storage.</summary>
    public static int PhysicalAxis(int nchwAxis) => ToNchw[nchwAxis];
}
