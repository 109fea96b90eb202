using System.Buffers;
using System.IO.MemoryMappedFiles;
using EdgeQ.Format.Binary;

namespace EdgeQ.Format;

/// <summary>
/// An .eqm file mapped read-only into memory and validated once. Constant tensors' <see cref="EqmTensor.Data"/> point
/// straight into the map (weights are not copied), so the model is usable only until this object is disposed.
/// </summary>
public sealed unsafe class EqmFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private bool _disposed;

    private readonly EqmModel _model;

    private EqmFile(MemoryMappedFile map, MemoryMappedViewAccessor view, EqmModel model)
    {
        _map = map;
        _view = view;
        _model = model;
    }

    /// <summary>The validated model; its constants' memory is unmapped when this file is disposed.</summary>
    public EqmModel Model
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _model;
        }
    }

    public static EqmFile Open(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        MemoryMappedFile map;
        int length;
        try
        {
            // Mapping an empty file throws, and a span cannot exceed 2^31-1 bytes: reject both as format errors first.
            if (stream.Length < EqmLayout.HeaderSize)
                throw new EqmFormatException($"header: the file has {stream.Length} bytes, the header alone needs {EqmLayout.HeaderSize}");
            if (stream.Length > int.MaxValue)
                throw new EqmFormatException($"header: the file has {stream.Length} bytes, more than an .eqm file may (2^31-1)");
            length = (int)stream.Length;
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        MemoryMappedViewAccessor? view = null;
        bool pointerAcquired = false;
        try
        {
            view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* start = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
            pointerAcquired = true;
            var memory = new MappedMemory(start + view.PointerOffset, length).Memory;
            return new EqmFile(map, view, EqmReader.ReadInPlace(memory));
        }
        catch
        {
            if (pointerAcquired) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            map.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }

    /// <summary>Exposes the mapped bytes as Memory; the pointer stays valid while the view is held.</summary>
    private sealed class MappedMemory(byte* pointer, int length) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => new(pointer, length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(pointer + elementIndex);

        public override void Unpin() { }

        protected override void Dispose(bool disposing) { }
    }
}
