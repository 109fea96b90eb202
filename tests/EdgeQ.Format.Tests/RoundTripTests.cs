using System.Buffers;

namespace EdgeQ.Format.Tests;

public sealed class RoundTripTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("eqm-roundtrip-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string> ModelNames => [.. TestModels.All.Select(m => m.Name)];

    private static EqmModel Build(string name) => TestModels.All.Single(m => m.Name == name).Build();

    [Fact]
    public void TestModelsTogetherUseEveryOpKind()
    {
        var used = TestModels.All.SelectMany(m => m.Build().Operators).Select(op => op.Kind).ToHashSet();
        Assert.Equal(Enum.GetValues<OpKind>().Order(), used.Order());
    }

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void BytesRoundTripFieldByFieldAndByteForByte(string name)
    {
        var model = Build(name);
        var bytes = EqmWriter.ToBytes(model);
        var read = EqmReader.Read(bytes);

        AssertSameModel(model, read);
        Assert.Equal(bytes, EqmWriter.ToBytes(read)); // deterministic: the same model gives the same bytes
    }

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void StreamRoundTrip(string name)
    {
        var model = Build(name);
        using var stream = new MemoryStream();
        EqmWriter.Write(model, stream);
        stream.Position = 0;
        AssertSameModel(model, EqmReader.Read(stream));
    }

    [Fact]
    public void NonSeekableStreamRoundTrip()
    {
        var model = TestModels.UNetLike();
        using var stream = new ForwardOnlyStream(EqmWriter.ToBytes(model));
        AssertSameModel(model, EqmReader.Read(stream));
    }

    /// <summary>Like a pipe or network stream: no length, no seeking.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 100));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void MemoryMappedRoundTripServesAlignedBlobsFromTheMap(string name)
    {
        var model = Build(name);
        string path = Path.Combine(_directory, $"{name}.eqm");
        EqmWriter.WriteFile(model, path);
        Assert.Equal(EqmWriter.ToBytes(model), File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_directory)); // the temporary file was renamed, not left behind

        using var file = EqmFile.Open(path);
        AssertSameModel(model, file.Model);
        foreach (var tensor in file.Model.Tensors.Where(t => t.IsConstant))
        {
            // Not copied: the memory is backed by the map's MemoryManager, and kernels can use aligned loads.
            Assert.True(MemoryMarshal.TryGetMemoryManager<byte, MemoryManager<byte>>(tensor.Data, out _), tensor.Name);
            unsafe
            {
                using var pin = tensor.Data.Pin();
                Assert.Equal(0, (long)pin.Pointer % 64);
            }
        }
    }

    [Fact]
    public void RealSizedModelRoundTripsThroughTheMap()
    {
        var model = TestModels.MobileNetV1Quarter();
        Assert.Equal(new[] { 1, 7, 7, 256 }, model.Tensors.Single(t => t.Name == "pw13").Shape.AsSpan().ToArray());
        string path = Path.Combine(_directory, "mobilenet.eqm");
        EqmWriter.WriteFile(model, path);
        using var file = EqmFile.Open(path);
        AssertSameModel(model, file.Model);
    }

    [Fact]
    public void WriteFileReplacesAnExistingModelAtomically()
    {
        string path = Path.Combine(_directory, "model.eqm");
        EqmWriter.WriteFile(TestModels.FashionGrey(), path);
        using var old = EqmFile.Open(path);
        EqmWriter.WriteFile(TestModels.MobileNetLike(), path);

        AssertSameModel(TestModels.FashionGrey(), old.Model); // the old map still sees the old file
        using var replaced = EqmFile.Open(path);
        AssertSameModel(TestModels.MobileNetLike(), replaced.Model);
        Assert.Single(Directory.GetFiles(_directory));
    }

    [Fact]
    public void WriteFileIntoAMissingDirectoryFailsAndLeavesNothing()
    {
        string path = Path.Combine(_directory, "missing", "model.eqm");
        Assert.ThrowsAny<IOException>(() => EqmWriter.WriteFile(TestModels.FashionGrey(), path));
        Assert.Empty(Directory.GetFileSystemEntries(_directory));
    }

    [Fact]
    public void DisposedFileNoLongerHandsOutItsModel()
    {
        string path = Path.Combine(_directory, "model.eqm");
        EqmWriter.WriteFile(TestModels.FashionGrey(), path);
        var file = EqmFile.Open(path);
        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.Model);
    }

    [Fact]
    public void OpenRejectsAnEmptyFileAsAFormatError()
    {
        string path = Path.Combine(_directory, "empty.eqm");
        File.WriteAllBytes(path, []);
        var error = Assert.Throws<EqmFormatException>(() => EqmFile.Open(path));
        Assert.Contains("header", error.Message);
    }

    [Fact]
    public void ReadFromSpanDoesNotAliasTheCallersBuffer()
    {
        var bytes = EqmWriter.ToBytes(TestModels.MobileNetLike());
        var model = EqmReader.Read(bytes);
        var before = model.Tensors.First(t => t.IsConstant).Data.ToArray();
        Array.Clear(bytes);
        Assert.Equal(before, model.Tensors.First(t => t.IsConstant).Data.ToArray());
    }

    /// <summary>Field by field (records compare structurally), then blobs byte for byte.</summary>
    internal static void AssertSameModel(EqmModel expected, EqmModel actual)
    {
        Assert.Equal(expected.Metadata, actual.Metadata);
        Assert.Equal(expected.Input, actual.Input);
        Assert.Equal(expected.Outputs, actual.Outputs);
        Assert.Equal(expected.Operators.Count, actual.Operators.Count);
        for (int i = 0; i < expected.Operators.Count; i++) Assert.Equal(expected.Operators[i], actual.Operators[i]);
        Assert.Equal(expected.Tensors.Count, actual.Tensors.Count);
        for (int i = 0; i < expected.Tensors.Count; i++)
        {
            Assert.Equal(expected.Tensors[i], actual.Tensors[i]);
            Assert.Equal(expected.Tensors[i].Data.ToArray(), actual.Tensors[i].Data.ToArray());
        }
        Assert.Equal(expected, actual);
    }
}
