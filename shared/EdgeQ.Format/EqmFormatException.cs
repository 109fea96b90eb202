namespace EdgeQ.Format;

/// <summary>
/// The one exception the reader, the validator and <see cref="ShapeInference"/> raise for an invalid model. The
/// message says what is wrong and where (section, record index, field).
/// </summary>
public sealed class EqmFormatException(string message) : Exception(message)
{
    /// <summary>Prefixes the location to an error raised deeper down, so nested checks need not know where they run.</summary>
    internal EqmFormatException At(string location) => new($"{location}: {Message}");
}
