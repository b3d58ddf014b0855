using System.Security.Cryptography;
using System.Text;

namespace ReMiT.Tasks;

/// <summary>
/// The canonical id of a problem: its text with every whitespace run collapsed to one space and the
/// ends trimmed, hashed with SHA-256, first 16 hex digits (lower case). Eval records, held-out sets
/// and training-data filters all compare problems by this id, so two spellings of one problem that
/// differ only in spacing are the same problem.
/// </summary>
public static class ProblemId
{
    public const int Length = 16;

    /// <param name="problemText">The problem as a model is given it (an item's or document's prompt).</param>
    public static string Of(string problemText)
    {
        ArgumentNullException.ThrowIfNull(problemText);
        var normalised = new StringBuilder(problemText.Length);
        bool pendingSpace = false;
        foreach (char c in problemText)
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = normalised.Length > 0;
                continue;
            }
            if (pendingSpace) normalised.Append(' ');
            pendingSpace = false;
            normalised.Append(c);
        }
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(normalised.ToString()));
        return Convert.ToHexStringLower(hash)[..Length];
    }
}
