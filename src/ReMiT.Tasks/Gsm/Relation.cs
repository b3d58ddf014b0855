namespace ReMiT.Tasks.Gsm;

/// <summary>How a quantity is defined; the phrasing of each is in <see cref="ProblemWriter"/>.</summary>
internal enum Relation
{
    /// <summary>"equals 4"</summary>
    Constant,
    /// <summary>"equals the number of A"</summary>
    Copy,
    /// <summary>"equals 3 plus the number of A"</summary>
    Plus,
    /// <summary>"equals 3 times the number of A"</summary>
    Times,
    /// <summary>"equals the sum of A, B, and C"</summary>
    Sum,
    /// <summary>"equals the difference between A and B"</summary>
    Difference,
    /// <summary>"equals 3 plus the sum of A and B"</summary>
    PlusSum,
    /// <summary>"equals 3 times the sum of A and B"</summary>
    TimesSum,
    /// <summary>"equals 3 plus the difference between A and B"</summary>
    PlusDifference,
    /// <summary>"equals 3 times the difference between A and B"</summary>
    TimesDifference,
    /// <summary>A location's total: the sum of every item stated for it (never stated itself in forward mode).</summary>
    Total,
}
