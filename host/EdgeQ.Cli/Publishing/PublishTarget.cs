using EdgeQ.Boards;
using EdgeQ.CommandLine;
using EdgeQ.Deploy;

namespace EdgeQ.Cli.Publishing;

/// <summary>What <c>--board</c> names: a board profile, or a generic runtime identifier (any arm64 board, an x64 PC).</summary>
/// <param name="Board">Bundle settings: runtime identifier, camera, GPIO chip, threads.</param>
/// <param name="BuildTarget">The <see cref="PublishEnvironment.PublishScript"/> target that builds its edgeq-run.</param>
public sealed record PublishTarget(BoardTarget Board, string BuildTarget)
{
    public static readonly IReadOnlyList<string> GenericRuntimeIdentifiers = ["linux-arm64", "linux-x64"];

    public string RuntimeIdentifier => Board.RuntimeIdentifier;

    public static PublishTarget Resolve(string id)
    {
        if (GenericRuntimeIdentifiers.Contains(id))
            // No profile: the first GPIO chip, the first camera, and 4 threads, the core count of every Pi.
            return new PublishTarget(new BoardTarget(id, id, "gpiochip0", "/dev/video0", DefaultThreads: 4), id);
        var profile = BoardCatalog.Find(id)
            ?? throw new UsageException($"unknown board '{id}'; use one of {string.Join(", ", BoardCatalog.All.Select(b => b.Id).Concat(GenericRuntimeIdentifiers))}");
        var board = new BoardTarget(profile.Id, profile.RuntimeIdentifier, profile.GpioChip, profile.CameraDevice, profile.DefaultThreads);
        // A board without its own instruction set gets the generic build: the same binary, built once.
        return new PublishTarget(board, profile.IlcInstructionSet.Length == 0 ? profile.RuntimeIdentifier : profile.Id);
    }
}
