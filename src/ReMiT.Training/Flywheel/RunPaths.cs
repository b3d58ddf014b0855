using System.Text;

namespace ReMiT.Training.Flywheel;

/// <summary>
/// Model and stage names arrive in cluster messages and become folder and file names under the run
/// directory (<c>models/NAME</c>, <c>checkpoints/STAGE</c>). A name is accepted only as one plain path
/// segment: not empty, no path separator, not <c>.</c> or <c>..</c>, not rooted, no control character,
/// so no message can make a worker read, write or delete outside the run directory.
/// </summary>
public static class RunPaths
{
    /// <summary>Longest name accepted; file systems allow 255 bytes per segment, and a suffix is added to some.</summary>
    public const int MaxNameLength = 200;

    /// <summary>Returns <paramref name="name"/> when it can be a model folder name, else throws.</summary>
    /// <exception cref="InvalidDataException">The name is not one plain path segment; the message quotes it and says why.</exception>
    public static string ModelName(string name) => Checked(name, "model name");

    /// <summary>Returns <paramref name="name"/> when it can be a stage name (checkpoint and summary file names), else throws.</summary>
    /// <exception cref="InvalidDataException">The name is not one plain path segment; the message quotes it and says why.</exception>
    public static string StageName(string name) => Checked(name, "stage name");

    /// <summary>Why <paramref name="name"/> cannot be one path segment inside the run directory, or null when it can.</summary>
    public static string? Problem(string? name) =>
        string.IsNullOrWhiteSpace(name) ? "it is empty"
        : name.Length > MaxNameLength ? $"it is longer than {MaxNameLength} characters"
        : name.Any(char.IsControl) ? "it contains a control character"
        : name.IndexOfAny(['/', '\\']) >= 0 ? "it contains a path separator"
        : name is "." or ".." ? "it names the current or the parent folder"
        : Path.IsPathRooted(name) ? "it is an absolute path"
        : null;

    private static string Checked(string name, string what) =>
        Problem(name) is { } why
            ? throw new InvalidDataException($"{what} '{Printable(name)}' cannot name a folder in the run directory: {why}.")
            : name;

    // Control characters shown as \uXXXX, so the error message itself stays one readable line.
    private static string Printable(string? name)
    {
        if (name is null) return "";
        var text = new StringBuilder(name.Length);
        foreach (char c in name.Length > MaxNameLength ? name[..MaxNameLength] + "…" : name)
            text.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        return text.ToString();
    }
}
