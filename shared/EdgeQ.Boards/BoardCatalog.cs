using System.Text.Json;

namespace EdgeQ.Boards;

/// <summary>The board profiles embedded in this assembly from <c>boards/*.json</c>, validated when first used.</summary>
public static class BoardCatalog
{
    private const string ResourcePrefix = "boards/";

    private static readonly Lazy<IReadOnlyList<BoardProfile>> Embedded = new(LoadEmbedded);

    /// <summary>All profiles, ordered by id. Throws <see cref="BoardProfileException"/> if any profile is invalid.</summary>
    public static IReadOnlyList<BoardProfile> All => Embedded.Value;

    public static BoardProfile? Find(string id) => All.FirstOrDefault(b => b.Id == id);

    /// <summary>The profile whose <c>deviceTreeModel</c> starts the given <c>/proc/device-tree/model</c> text, if any.</summary>
    public static BoardProfile? FindByDeviceTreeModel(string model)
    {
        var trimmed = model.TrimEnd('\0', '\n', ' '); // the kernel ends the property with a NUL byte
        return All.FirstOrDefault(b => trimmed.StartsWith(b.DeviceTreeModel, StringComparison.Ordinal));
    }

    /// <summary>Parses and validates one profile; <paramref name="fileName"/> names it in error messages.</summary>
    public static BoardProfile Parse(string json, string fileName)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new BoardProfileException($"{fileName}: not valid JSON: {e.Message}");
        }
        using (document)
        {
            var (board, problems) = BoardProfileReader.Read(document.RootElement);
            if (board is not null)
                problems = BoardSchema.Validate(board, fileName);
            if (problems.Count > 0)
                throw new BoardProfileException($"{fileName}: {string.Join("; ", problems)}");
            return board!;
        }
    }

    /// <summary>Parses and validates a set of profiles, including the rules that span profiles.</summary>
    public static IReadOnlyList<BoardProfile> Load(IEnumerable<(string FileName, string Json)> files)
    {
        var boards = files.Select(f => Parse(f.Json, f.FileName)).OrderBy(b => b.Id, StringComparer.Ordinal).ToList();
        foreach (var duplicate in boards.GroupBy(b => b.Id).Where(g => g.Count() > 1))
            throw new BoardProfileException($"board id '{duplicate.Key}' is used by {duplicate.Count()} profiles");
        // Device-tree prefixes must not nest, or a board could match a profile that is not its own.
        foreach (var a in boards)
        foreach (var b in boards)
            if (a != b && b.DeviceTreeModel.StartsWith(a.DeviceTreeModel, StringComparison.Ordinal))
                throw new BoardProfileException(
                    $"{a.Id}.json: deviceTreeModel '{a.DeviceTreeModel}' also matches board '{b.Id}' ('{b.DeviceTreeModel}')");
        return boards;
    }

    public static string ToJson(IReadOnlyList<BoardProfile> boards) =>
        JsonSerializer.Serialize(boards, BoardJsonContext.Default.IReadOnlyListBoardProfile);

    public static string ToJson(BoardProfile board) => JsonSerializer.Serialize(board, BoardJsonContext.Default.BoardProfile);

    /// <summary>The embedded profile files, for tests and tools that check them.</summary>
    public static IEnumerable<(string FileName, string Json)> EmbeddedFiles()
    {
        var assembly = typeof(BoardCatalog).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            yield return (resource[ResourcePrefix.Length..], reader.ReadToEnd());
        }
    }

    private static IReadOnlyList<BoardProfile> LoadEmbedded() => Load(EmbeddedFiles());
}
