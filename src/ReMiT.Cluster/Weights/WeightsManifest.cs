using System.Security.Cryptography;
using System.Text.Json;

namespace ReMiT.Cluster.Weights;

/// <summary>
/// <c>manifest.json</c> of a published weights version: the size and SHA-256 of every other file in the
/// folder. It is written last, inside the temporary folder, so a version folder that exists has one;
/// readers check every file against it before loading.
/// </summary>
public sealed record WeightsManifest(int Version, IReadOnlyList<WeightsManifest.Entry> Files)
{
    public const string FileName = "manifest.json";

    /// <param name="Name">File name inside the version folder (no directories).</param>
    /// <param name="Size">Length in bytes.</param>
    /// <param name="Sha256">Lower-case hex SHA-256 of the file's bytes.</param>
    public sealed record Entry(string Name, long Size, string Sha256);

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>Describes every file in <paramref name="directory"/> (sorted by name, the manifest itself excluded).</summary>
    public static WeightsManifest Describe(int version, string directory) =>
        new(version, Directory.EnumerateFiles(directory)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => name != FileName)
            .Order(StringComparer.Ordinal)
            .Select(name => Hash(Path.Combine(directory, name)))
            .ToList());

    /// <summary>Size and SHA-256 of one file, read once in 1 MiB pieces (never whole into memory).</summary>
    public static Entry Hash(string path)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        byte[] buffer = new byte[1 << 20];
        long size = 0;
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            size += read;
        }
        return new Entry(Path.GetFileName(path), size, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    public void Write(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");

    /// <exception cref="InvalidDataException">The file is not a manifest (the message names it).</exception>
    public static WeightsManifest Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<WeightsManifest>(File.ReadAllText(path), Json)
                   ?? throw new JsonException("the file holds null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a weights manifest ({e.Message})", e);
        }
    }
}
