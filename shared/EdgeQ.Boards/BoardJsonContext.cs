using System.Text.Json.Serialization;

namespace EdgeQ.Boards;

// Source-generated, reflection-free writing for `edgeq boards --json`. Reading goes through BoardProfileReader, so the
// device binary, which never writes profiles, does not carry the serializer.
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(BoardProfile))]
[JsonSerializable(typeof(IReadOnlyList<BoardProfile>))]
internal sealed partial class BoardJsonContext : JsonSerializerContext;
