using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Reference;

/// <summary>Type-agnostic copies (float activations and int64 shape tensors alike): transpose, concat, split, slice, pad, gather.</summary>
public static class DataMovement
{
    public static TensorData Transpose(TensorData x, int[] perm)
    {
        int[] inStrides = Shapes.Strides(x.Shape);
        int[] outShape = Shapes.Permute(x.Shape, perm);
        var result = TensorData.Zeros(x.Type, outShape);
        int[] readStrides = perm.Select(axis => inStrides[axis]).ToArray();
        Copy(x.Data, 0, readStrides, result.Data, 0, Shapes.Strides(outShape), outShape);
        return result;
    }

    public static TensorData Concat(IReadOnlyList<TensorData> parts, int axis)
    {
        var outShape = (int[])parts[0].Shape.Clone();
        outShape[axis] = parts.Sum(p => p.Shape[axis]);
        var result = TensorData.Zeros(parts[0].Type, outShape);
        int[] outStrides = Shapes.Strides(outShape);
        int offset = 0;
        foreach (var part in parts)
        {
            Copy(part.Data, 0, Shapes.Strides(part.Shape), result.Data, offset * outStrides[axis], outStrides, part.Shape);
            offset += part.Shape[axis];
        }
        return result;
    }

    public static TensorData[] Split(TensorData x, int axis, int[] sizes)
    {
        int[] inStrides = Shapes.Strides(x.Shape);
        var results = new TensorData[sizes.Length];
        int offset = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            var shape = (int[])x.Shape.Clone();
            shape[axis] = sizes[i];
            results[i] = TensorData.Zeros(x.Type, shape);
            Copy(x.Data, offset * inStrides[axis], inStrides, results[i].Data, 0, Shapes.Strides(shape), shape);
            offset += sizes[i];
        }
        return results;
    }

    public static TensorData Slice(TensorData x, int[] start, int[] step, int[] count) =>
        GatherAlongAxes(x, count.Select((n, d) => Enumerable.Range(0, n).Select(k => start[d] + k * step[d]).ToArray()).ToArray(), 0);

    public static TensorData Pad(TensorData x, int[] pads, PadMode mode, float value)
    {
        int rank = x.Rank;
        var maps = new int[rank][];
        for (int d = 0; d < rank; d++)
        {
            int size = x.Shape[d], before = pads[d];
            maps[d] = new int[size + before + pads[d + rank]];
            for (int o = 0; o < maps[d].Length; o++)
            {
                int i = o - before;
                maps[d][o] = mode switch
                {
                    PadMode.Constant => i >= 0 && i < size ? i : -1,
                    PadMode.Edge => Math.Clamp(i, 0, size - 1),
                    _ => Reflect(i, size),
                };
            }
        }
        return GatherAlongAxes(x, maps, value);
    }

    private static int Reflect(int i, int size)
    {
        if (size == 1) return 0;
        int period = 2 * (size - 1);
        i = ((i % period) + period) % period;
        return i < size ? i : period - i;
    }

    public static TensorData Gather(TensorData x, int axis, TensorData indices)
    {
        int outer = Shapes.Size(x.Shape.AsSpan(0, axis)), inner = Shapes.Size(x.Shape.AsSpan(axis + 1));
        int[] picks = indices.Longs.Select(i => (int)i).ToArray();
        var flat = GatherAlongAxes(x.Reshape([outer, x.Shape[axis], inner]),
            [Enumerable.Range(0, outer).ToArray(), picks, Enumerable.Range(0, inner).ToArray()], 0);
        return flat.Reshape([.. x.Shape[..axis], .. indices.Shape, .. x.Shape[(axis + 1)..]]);
    }

    /// <summary>out[o_0,..,o_r] = x[maps[0][o_0], .., maps[r][o_r]], or fill where any map entry is -1.</summary>
    private static TensorData GatherAlongAxes(TensorData x, int[][] maps, float fill)
    {
        int[] outShape = maps.Select(m => m.Length).ToArray();
        return x.Type == ElementType.Float32
            ? TensorData.FromFloats(outShape, GatherAlongAxes(x.Floats, x.Shape, maps, fill))
            : TensorData.FromLongs(outShape, GatherAlongAxes(x.Longs, x.Shape, maps, (long)fill));
    }

    private static T[] GatherAlongAxes<T>(T[] src, int[] shape, int[][] maps, T fill)
    {
        var dst = new T[Shapes.Size(maps.Select(m => m.Length).ToArray())];
        int[] strides = Shapes.Strides(shape);
        int written = 0;
        void Walk(int dim, int srcOffset, bool filled)
        {
            int[] map = maps[dim];
            if (dim == maps.Length - 1)
            {
                foreach (int i in map) dst[written++] = filled || i < 0 ? fill : src[srcOffset + i];
                return;
            }
            foreach (int i in map) Walk(dim + 1, srcOffset + Math.Max(i, 0) * strides[dim], filled || i < 0);
        }
        if (maps.Length == 0) dst[0] = src[0];
        else Walk(0, 0, false);
        return dst;
    }

    /// <summary>Copies a strided box of `shape` from src to dst; the innermost run is a span copy when contiguous.</summary>
    private static void Copy(Array src, int srcOffset, int[] srcStrides, Array dst, int dstOffset, int[] dstStrides, int[] shape)
    {
        if (src is float[] f) Copy(f, srcOffset, srcStrides, (float[])dst, dstOffset, dstStrides, shape);
        else Copy((long[])src, srcOffset, srcStrides, (long[])dst, dstOffset, dstStrides, shape);
    }

    private static void Copy<T>(T[] src, int srcOffset, int[] srcStrides, T[] dst, int dstOffset, int[] dstStrides, int[] shape)
    {
        int rank = shape.Length;
        if (Shapes.Size(shape) == 0) return;
        if (rank == 0) { dst[dstOffset] = src[srcOffset]; return; }
        int inner = shape[rank - 1], si = srcStrides[rank - 1], di = dstStrides[rank - 1];
        var index = new int[rank - 1];
        while (true)
        {
            int s = srcOffset, d = dstOffset;
            for (int k = 0; k < rank - 1; k++) { s += index[k] * srcStrides[k]; d += index[k] * dstStrides[k]; }
            if (si == 1 && di == 1) Array.Copy(src, s, dst, d, inner);
            else for (int j = 0; j < inner; j++) dst[d + j * di] = src[s + j * si];
            int axis = rank - 2;
            while (axis >= 0 && ++index[axis] == shape[axis]) index[axis--] = 0;
            if (axis < 0) return;
        }
    }
}
