using System.Globalization;

namespace ReMiT.Cluster.Weights;

/// <summary>
/// A published policy version. Weights never travel through Akka: learner rank 0 writes them to
/// <c>{run}/weights/v{N:000000}/</c> on shared storage and announces only this number.
/// </summary>
public readonly record struct WeightsVersion(int Number) : IComparable<WeightsVersion>
{
    private const string Prefix = "v";

    /// <summary>Folder name under <c>weights/</c>, e.g. <c>v000012</c>; zero-padded so a listing sorts by version.</summary>
    public string DirectoryName => Prefix + Number.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>Path of this version's folder in a run directory.</summary>
    public string PathIn(string runDirectory) => Path.Combine(runDirectory, "weights", DirectoryName);

    public int CompareTo(WeightsVersion other) => Number.CompareTo(other.Number);

    public override string ToString() => DirectoryName;

    /// <summary>Parses a folder name such as <c>v000012</c>.</summary>
    public static WeightsVersion Parse(string directoryName)
    {
        ArgumentNullException.ThrowIfNull(directoryName);
        if (!TryParse(directoryName, out var version))
            throw new FormatException($"'{directoryName}' is not a weights version folder; expected 'v' and six digits, e.g. v000012.");
        return version;
    }

    public static bool TryParse(string directoryName, out WeightsVersion version)
    {
        version = default;
        if (directoryName.Length != 7 || !directoryName.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        if (!int.TryParse(directoryName.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int n)) return false;
        version = new WeightsVersion(n);
        return true;
    }

    /// <summary>All versions published in a run directory, oldest first; other folders are ignored.</summary>
    public static IReadOnlyList<WeightsVersion> ListPublished(string runDirectory)
    {
        string root = Path.Combine(runDirectory, "weights");
        if (!Directory.Exists(root)) return [];
        return Directory.EnumerateDirectories(root)
            .Select(Path.GetFileName)
            .Select(name => TryParse(name!, out var v) ? v : (WeightsVersion?)null)
            .OfType<WeightsVersion>()
            .Order()
            .ToList();
    }
}
