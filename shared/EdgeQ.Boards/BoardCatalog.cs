using System.Text.Json;

namespace EdgeQ.Boards;

/// <summary>The board profiles embedded in this assembly from <c>boards/*.json</c>, validated when first used.</summary>
public static class BoardCatalog
{
    private const string ResourcePrefix = "boards/";

    private static readonly Lazy<IReadOnlyList<BoardProfile>> Embedded = new(LoadEmbedded);

    /// <summary>All profiles, ordered by id. Throws <see cref="BoardProfileException"/> if any profile is invalid.</summary>
    public static IReadOnlyList<BoardProfile> All => Embedded.Value;

    public static BoardProfile? Find(string id)
    {
        foreach (var board in All)
            if (board.Id == id)
                return board;
        return null;
    }

    /// <summary>The profile whose <c>deviceTreeModel</c> starts the given <c>/proc/device-tree/model</c> text, if any.</summary>
    public static BoardProfile? FindByDeviceTreeModel(string model)
    {
        var trimmed = model.TrimEnd('\0', '\n', ' '); // the kernel ends the property with a NUL byte
        foreach (var board in All)
            if (trimmed.StartsWith(board.DeviceTreeModel, StringComparison.Ordinal))
                return board;
        return null;
    }

    /// <summary>Parses and validates one profile; <paramref name="fileName"/> names it in error messages.</summary>
    public static BoardProfile Parse(string json, string fileName)
    {
        ProfileJson document;
        try
        {
            document = ProfileJson.Parse(json);
        }
        catch (FormatException e)
        {
            throw new BoardProfileException($"{fileName}: not valid JSON: {e.Message}");
        }
        var (board, problems) = BoardProfileReader.Read(document);
        if (board is not null)
            problems = BoardSchema.Validate(board, fileName);
        if (problems.Count > 0)
            throw new BoardProfileException($"{fileName}: {string.Join("; ", problems)}");
        return board!;
    }

    /// <summary>Parses and validates a set of profiles, including the rules that span profiles.</summary>
    public static IReadOnlyList<BoardProfile> Load(IEnumerable<(string FileName, string Json)> files)
    {
        var boards = new List<BoardProfile>();
        foreach (var (fileName, json) in files)
            boards.Add(Parse(json, fileName));
        boards.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        // Sorted by id, so the profiles sharing an id stand next to each other.
        for (int first = 0; first < boards.Count;)
        {
            int sameId = 1;
            while (first + sameId < boards.Count && boards[first + sameId].Id == boards[first].Id)
                sameId++;
            if (sameId > 1)
                throw new BoardProfileException($"board id '{boards[first].Id}' is used by {sameId} profiles");
            first += sameId;
        }
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
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal))
                continue;
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            yield return (resource[ResourcePrefix.Length..], reader.ReadToEnd());
        }
    }

    private static IReadOnlyList<BoardProfile> LoadEmbedded() => Load(EmbeddedFiles());
}
