namespace EdgeQ.Host.Ir;

/// <summary>Small helpers on static shapes (row-major, int dimensions).</summary>
public static class Shapes
{
    public static int Size(ReadOnlySpan<int> shape)
    {
        long size = 1;
        foreach (int d in shape) size *= d;
        return checked((int)size);
    }

    public static int[] Strides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        int stride = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { strides[i] = stride; stride *= shape[i]; }
        return strides;
    }

    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(",", shape.ToArray()) + "]";

    public static int[] Permute(ReadOnlySpan<int> shape, ReadOnlySpan<int> perm)
    {
        var result = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) result[i] = shape[perm[i]];
        return result;
    }

    /// <summary>Normalises a possibly negative ONNX axis against a rank.</summary>
    public static int Axis(long axis, int rank)
    {
        long normalized = axis < 0 ? axis + rank : axis;
        if (normalized < 0 || normalized >= rank) throw new ArgumentException($"axis {axis} is out of range for rank {rank}");
        return (int)normalized;
    }

    /// <summary>NumPy/ONNX multidirectional broadcasting of two shapes.</summary>
    public static int[] Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"shapes {Format(a)} and {Format(b)} do not broadcast");
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>True when transposing by perm leaves the flat data order unchanged (it only moves size-1 axes).</summary>
    public static bool IsLayoutNoOp(ReadOnlySpan<int> shape, ReadOnlySpan<int> perm)
    {
        int last = -1;
        foreach (int axis in perm)
        {
            if (shape[axis] == 1) continue;
            if (axis < last) return false;
            last = axis;
        }
        return true;
    }
}
