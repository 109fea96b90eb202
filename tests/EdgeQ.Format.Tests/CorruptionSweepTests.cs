using System.Buffers.Binary;
using System.Diagnostics;
using EdgeQ.Format.Binary;
using Xunit.Abstractions;
using static EdgeQ.Format.Binary.EqmLayout;
using static EdgeQ.Format.Tests.FileSurgery;

namespace EdgeQ.Format.Tests;

/// <summary>
/// Seeded mutations of valid files. Raw mutations must be rejected with EqmFormatException or, when they only touch
/// padding, load the identical model. Resealed mutations (checksums recomputed, so the structural checks are the only
/// defence) must be rejected or load a model that is itself valid and round-trips. Nothing else may escape or hang.
/// </summary>
public sealed class CorruptionSweepTests(ITestOutputHelper output)
{
    private const int RandomRawMutationsPerModel = 7000;
    private const int RandomResealedMutationsPerModel = 10000;
    private const int MemoryMappedMutationsPerModel = 100;

    private sealed class Tally
    {
        public int Tried, Rejected, Harmless, AcceptedDifferent;
        public readonly Dictionary<string, int> RejectedBySection = [];
        public readonly List<string> Failures = [];
    }

    [Fact]
    public async Task MutatedFilesAreRejectedOrHarmless()
    {
        var stopwatch = Stopwatch.StartNew();
        var raw = new Tally();
        var resealed = new Tally();
        var mapped = new Tally();
        var sweep = Task.Run(() =>
        {
            foreach (var (name, build) in TestModels.All)
            {
                var model = build();
                var file = EqmWriter.ToBytes(model);
                var rng = new Random(name.Length * 7919 + 17);
                foreach (var (description, mutated) in Mutations(file, rng, RandomRawMutationsPerModel))
                    Check(raw, model, mutated, $"{name}: {description}", reseal: false);
                foreach (var (description, mutated) in Mutations(file, rng, RandomResealedMutationsPerModel))
                    Check(resealed, model, mutated.Resealed(), $"{name}: {description} (resealed)", reseal: true);
                CheckMemoryMapped(mapped, model, file, rng);
            }
        });
        await sweep.WaitAsync(TimeSpan.FromMinutes(3)); // a hang fails with TimeoutException

        Report("raw mutations", raw);
        Report("resealed mutations", resealed);
        Report("memory-mapped raw mutations", mapped);
        Report($"total {raw.Tried + resealed.Tried + mapped.Tried} mutations in {stopwatch.Elapsed.TotalSeconds:F1} s", null);

        Assert.Empty(raw.Failures.Concat(resealed.Failures).Concat(mapped.Failures));
        Assert.True(raw.Tried >= 20_000, $"only {raw.Tried} raw mutations");
        Assert.Equal(raw.Tried, raw.Rejected + raw.Harmless);
        Assert.Equal(0, raw.AcceptedDifferent);
        Assert.True(raw.Harmless > 0 && resealed.Rejected > 0, "the sweep did not reach padding or structural checks");
    }

    private static void Check(Tally tally, EqmModel original, byte[] mutated, string description, bool reseal)
    {
        tally.Tried++;
        try
        {
            var read = EqmReader.Read(mutated);
            if (read.Equals(original)) tally.Harmless++;
            else if (reseal && read.Equals(EqmReader.Read(EqmWriter.ToBytes(read)))) tally.AcceptedDifferent++;
            else tally.Failures.Add($"{description}: loaded a different model");
        }
        catch (EqmFormatException e)
        {
            tally.Rejected++;
            string section = e.Message.Split(':', ',')[0];
            tally.RejectedBySection[section] = tally.RejectedBySection.GetValueOrDefault(section) + 1;
        }
        catch (Exception e)
        {
            tally.Failures.Add($"{description}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
        }
    }

    /// <summary>The same contract through EqmFile.Open on real files.</summary>
    private static void CheckMemoryMapped(Tally tally, EqmModel original, byte[] file, Random rng)
    {
        string path = Path.Combine(Path.GetTempPath(), $"eqm-sweep-{Guid.NewGuid():N}.eqm");
        try
        {
            foreach (var (description, mutated) in Mutations(file, rng, MemoryMappedMutationsPerModel).Take(MemoryMappedMutationsPerModel))
            {
                File.WriteAllBytes(path, mutated);
                tally.Tried++;
                try
                {
                    using var mappedFile = EqmFile.Open(path);
                    if (mappedFile.Model.Equals(original)) tally.Harmless++;
                    else tally.Failures.Add($"{description} (mapped): loaded a different model");
                }
                catch (EqmFormatException) { tally.Rejected++; }
                catch (Exception e) { tally.Failures.Add($"{description} (mapped): {e.GetType().Name}: {e.Message}"); }
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// Deterministic edge cases (truncation at every section boundary, edge values in every offset, length, size and
    /// count field), then <paramref name="randomCount"/> random bit flips, byte and burst overwrites, truncations,
    /// insertions, deletions and entry swaps. Half the random positions fall outside the blobs, where the structure is.
    /// </summary>
    private static IEnumerable<(string, byte[])> Mutations(byte[] file, Random rng, int randomCount)
    {
        var sections = Enumerable.Range(0, 6).Select(i => Entry(file, i)).ToArray();
        int structureEnd = sections.Where(s => s.Kind != (uint)SectionKind.Blobs).Max(s => s.Offset + s.Length);

        var cuts = new SortedSet<int> { 0, 1, HeaderSize - 1, HeaderSize, HeaderSize + 6 * EntrySize };
        foreach (var s in sections)
        {
            foreach (int at in new[] { s.Offset - 1, s.Offset, s.Offset + 1, s.Offset + s.Length - 1, s.Offset + s.Length })
                cuts.Add(at);
        }
        foreach (int cut in cuts.Where(c => c >= 0 && c < file.Length)) yield return ($"truncate at {cut}", file[..cut]);

        foreach (var (at, size, field) in LengthFields(file, sections))
        {
            foreach (ulong value in EdgeValues(file.Length))
            {
                var mutated = (byte[])file.Clone();
                if (size == 8) BinaryPrimitives.WriteUInt64LittleEndian(mutated.AsSpan(at), value);
                else BinaryPrimitives.WriteUInt32LittleEndian(mutated.AsSpan(at), (uint)value);
                yield return ($"{field} = {value}", mutated);
            }
        }

        for (int i = 0; i < randomCount; i++)
        {
            int position = rng.Next(2) == 0 ? rng.Next(file.Length) : rng.Next(structureEnd);
            var mutated = (byte[])file.Clone();
            switch (rng.Next(8))
            {
                case 0 or 1:
                    int bit = rng.Next(8);
                    mutated[position] ^= (byte)(1 << bit);
                    yield return ($"flip bit {bit} of byte {position}", mutated);
                    break;
                case 2 or 3:
                    byte value = (byte)rng.Next(256);
                    mutated[position] = value;
                    yield return ($"byte {position} = {value}", mutated);
                    break;
                case 4:
                    int length = Math.Min(rng.Next(2, 17), file.Length - position);
                    rng.NextBytes(mutated.AsSpan(position, length));
                    yield return ($"{length} random bytes at {position}", mutated);
                    break;
                case 5:
                    yield return ($"truncate at {position}", file[..position]);
                    break;
                case 6:
                    yield return rng.Next(2) == 0
                        ? ($"insert a byte at {position}", [.. file[..position], (byte)rng.Next(256), .. file[position..]])
                        : ($"delete byte {position}", [.. file[..position], .. file[(position + 1)..]]);
                    break;
                default:
                    int a = rng.Next(6), b = rng.Next(6);
                    file.AsSpan(EntryAt(a), EntrySize).CopyTo(mutated.AsSpan(EntryAt(b)));
                    file.AsSpan(EntryAt(b), EntrySize).CopyTo(mutated.AsSpan(EntryAt(a)));
                    yield return ($"swap table entries {a} and {b}", mutated);
                    break;
            }
        }
    }

    private static (uint Kind, int Offset, int Length) Entry(byte[] file, int index) => (
        BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(EntryAt(index) + EntryKindOffset)),
        (int)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(EntryAt(index) + EntryOffsetOffset)),
        (int)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(EntryAt(index) + EntryLengthOffset)));

    /// <summary>Every field that holds an offset, length, size or count: (position, width, name).</summary>
    private static IEnumerable<(int At, int Size, string Field)> LengthFields(byte[] file, (uint Kind, int Offset, int Length)[] sections)
    {
        yield return (FileLengthOffset, 8, "header file length");
        yield return (SectionCountOffset, 4, "header section count");
        yield return (EntrySizeOffset, 4, "header entry size");
        for (int i = 0; i < sections.Length; i++)
        {
            yield return (EntryAt(i) + EntryOffsetOffset, 8, $"entry {i} offset");
            yield return (EntryAt(i) + EntryLengthOffset, 8, $"entry {i} length");
            yield return (EntryAt(i) + EntryAlignmentOffset, 4, $"entry {i} alignment");
        }
        foreach (var kind in new[] { SectionKind.Outputs, SectionKind.Tensors, SectionKind.Operators })
        {
            var section = sections.Single(s => s.Kind == (uint)kind);
            yield return (section.Offset, 4, $"{kind} count");
            int position = section.Offset + 4;
            for (int record = 0; position < section.Offset + section.Length; record++)
            {
                int size = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(position));
                yield return (position, 4, $"{kind} record {record} size");
                if (kind == SectionKind.Tensors)
                {
                    yield return (position + size - 16, 8, $"tensor {record} blob offset");
                    yield return (position + size - 8, 8, $"tensor {record} blob length");
                }
                position += size;
            }
        }
    }

    private static ulong[] EdgeValues(int fileLength) =>
    [
        0, 1, 63, 64, int.MaxValue, 0x8000_0000, uint.MaxValue, long.MaxValue, ulong.MaxValue,
        (ulong)fileLength - 1, (ulong)fileLength, (ulong)fileLength + 1,
    ];

    private void Report(string title, Tally? tally)
    {
        string line = tally is null
            ? title
            : $"{title}: tried {tally.Tried}, rejected {tally.Rejected}, harmless (identical model) {tally.Harmless}, " +
              $"accepted as another valid model {tally.AcceptedDifferent}, failures {tally.Failures.Count}" +
              (tally.RejectedBySection.Count == 0 ? "" : $"; rejected at: {string.Join(", ", tally.RejectedBySection.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value}"))}");
        output.WriteLine(line);
        Console.WriteLine(line);
        foreach (string failure in tally?.Failures.Take(10) ?? []) output.WriteLine("  " + failure);
    }
}
