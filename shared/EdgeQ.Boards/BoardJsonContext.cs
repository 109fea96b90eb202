using System.Text.Json.Serialization;

namespace EdgeQ.Boards;

// Source-generated (de)serialization keeps the library reflection-free for NativeAOT. Unknown properties are an error so
// a misspelt field name in a profile fails validation instead of being silently ignored.
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    WriteIndented = true)]
[JsonSerializable(typeof(BoardProfile))]
[JsonSerializable(typeof(IReadOnlyList<BoardProfile>))]
internal sealed partial class BoardJsonContext : JsonSerializerContext;
