namespace EdgeQ.Boards;

/// <summary>A board profile that does not parse or breaks the schema; the message names the file and every problem.</summary>
public sealed class BoardProfileException(string message) : Exception(message);
