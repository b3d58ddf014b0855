namespace ReMiT.Tasks.Gsm;

/// <summary>One quantity of a solution graph: its name, the letter the trace used, its value (if one
/// could be read) and the names of the quantities it was computed from.</summary>
public sealed record GsmGraphNode(string Name, string Variable, double? Value, IReadOnlySet<string> Dependencies);
