using System.Diagnostics;
using System.Globalization;
using ReMiT.Model;
using ReMiT.Model.Checkpoints;
using ReMiT.Training.Storage;
using static TorchSharp.torch;

namespace ReMiT.Cluster.Weights;

/// <summary>
/// Policy weights on shared storage (DESIGN §3: weights never travel through Akka). Learner rank 0
/// publishes <c>{run}/weights/v{N:000000}/</c> = Hugging Face <c>config.json</c> + <c>model.safetensors</c>
/// + <c>manifest.json</c> (size and SHA-256 of each); rollout nodes load a version only after every file
/// matches its manifest.
/// <para>
/// A version appears atomically: it is written and hashed in a hidden temporary folder under
/// <c>weights/</c> (same file system) and renamed into place last, so a reader that lists
/// <c>weights/</c> sees either no folder or a complete one. Pruning renames a version out of sight before
/// deleting it, for the same reason. A published version is immutable.
/// </para>
/// </summary>
public static class WeightsStore
{
    private const string WeightsFolder = "weights";
    private const string TempPrefix = ".tmp-";     // .tmp-v000012-{pid}-{guid}: never parses as a version
    private const string TrashPrefix = ".trash-";  // .trash-v000012-{guid}: a version being pruned

    /// <summary>
    /// Writes <paramref name="model"/>'s parameters (float32) as <paramref name="version"/> and returns the
    /// wall time it took (write + hash + rename), for <c>remit_weights_publish_duration_seconds</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">That version is already published.</exception>
    public static TimeSpan Publish(DecoderModel model, WeightsVersion version, string runDirectory) =>
        Publish(model, version, runDirectory, beforeRename: null);

    /// <summary>
    /// Publishes the policy of an RL stage after <paramref name="step"/> updates as the next version
    /// (latest + 1), tagged with its stage and step (<c>policy.json</c>, covered by the manifest) so a
    /// resumed run finds the policies its schedule still needs. Only learner rank 0 publishes.
    /// </summary>
    public static WeightsVersion PublishPolicy(DecoderModel model, string runDirectory, string stage, int step)
    {
        var version = new WeightsVersion((Latest(runDirectory)?.Number ?? 0) + 1);
        Publish(model, version, runDirectory, beforeRename: null, new PolicyTag(stage, step));
        return version;
    }

    /// <summary>The versions published for <paramref name="stage"/>, with the step each holds, oldest first.</summary>
    public static IReadOnlyList<(WeightsVersion Version, int Step)> Published(string runDirectory, string stage) =>
        WeightsVersion.ListPublished(runDirectory)
            .Select(v => (Version: v, Tag: PolicyTag.TryRead(v.PathIn(runDirectory))))
            .Where(x => x.Tag?.Stage == stage)
            .Select(x => (x.Version, x.Tag!.Step))
            .ToList();

    /// <summary>Deletes the versions of <paramref name="stage"/> holding steps before <paramref name="keepFromStep"/>.</summary>
    public static void PruneStage(string runDirectory, string stage, int keepFromStep)
    {
        string root = Path.Combine(runDirectory, WeightsFolder);
        foreach (var (version, _) in Published(runDirectory, stage).Where(p => p.Step < keepFromStep))
        {
            string trash = Path.Combine(root, $"{TrashPrefix}{version.DirectoryName}-{Guid.NewGuid():N}");
            Directory.Move(version.PathIn(runDirectory), trash);
            Directory.Delete(trash, recursive: true);
        }
    }

    /// <param name="beforeRename">Test hook: runs with the complete temporary folder just before it is renamed.</param>
    internal static TimeSpan Publish(DecoderModel model, WeightsVersion version, string runDirectory, Action<string>? beforeRename, PolicyTag? tag = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(runDirectory);
        ArgumentOutOfRangeException.ThrowIfNegative(version.Number, nameof(version));
        var clock = Stopwatch.StartNew();

        string target = version.PathIn(runDirectory);
        if (Directory.Exists(target))
            throw AlreadyPublished(version, target);
        string root = Directory.CreateDirectory(Path.Combine(runDirectory, WeightsFolder)).FullName;
        string temp = Path.Combine(root, $"{TempPrefix}{version.DirectoryName}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            HfCheckpoint.Save(model, temp);
            tag?.Write(temp);
            // The manifest goes in last: whatever is in the folder now is what readers will verify.
            WeightsManifest.Describe(version.Number, temp).Write(Path.Combine(temp, WeightsManifest.FileName));
            // On the disk before the name appears: a machine crash cannot leave a version whose files are empty.
            foreach (string file in Directory.GetFiles(temp)) Fsync.File(file);
            Fsync.Directory(temp);
            beforeRename?.Invoke(temp);
            if (Directory.Exists(target))
                throw AlreadyPublished(version, target);
            Directory.Move(temp, target); // rename(2): atomic on one file system, NFS included
            Fsync.Directory(root);
        }
        catch (Exception e)
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            if (e is IOException io && DiskFull.Is(io)) throw DiskFull.Explain(io, root, $"weights version {version.DirectoryName}");
            throw;
        }
        return clock.Elapsed;
    }

    /// <summary>Checks every file of <paramref name="version"/> against its manifest and loads the model onto <paramref name="device"/> (CPU when null).</summary>
    /// <exception cref="DirectoryNotFoundException">The version is not published.</exception>
    /// <exception cref="InvalidDataException">The version is corrupt: the message names each bad file with the expected and actual SHA-256.</exception>
    public static DecoderModel Load(WeightsVersion version, string runDirectory, Device? device = null)
    {
        string directory = Verify(version, runDirectory);
        return HfCheckpoint.Load(directory, device);
    }

    /// <summary>
    /// Like <see cref="Load"/> but copies the verified parameters into <paramref name="model"/> (any device or
    /// dtype; converted on copy), so a rollout worker keeps its allocation across versions.
    /// </summary>
    /// <exception cref="InvalidDataException">The version is corrupt, or was published for a different model shape.</exception>
    public static void LoadInto(DecoderModel model, WeightsVersion version, string runDirectory)
    {
        ArgumentNullException.ThrowIfNull(model);
        string directory = Verify(version, runDirectory);
        var published = HfConfig.Load(Path.Combine(directory, HfCheckpoint.ConfigFile));
        if (published != model.Config)
            throw new InvalidDataException(
                $"weights {version}: published for {published}, but the model to load into is {model.Config}; " +
                $"load it with {nameof(WeightsStore)}.{nameof(Load)} instead.");

        using var scope = NewDisposeScope();
        var tensors = SafeTensorsFile.Load(Path.Combine(directory, HfCheckpoint.WeightsFile));
        var parameters = model.named_parameters().ToList();
        var problems = new List<string>();
        foreach (var (name, parameter) in parameters)
        {
            if (!tensors.TryGetValue(name, out var stored)) problems.Add($"missing tensor '{name}'");
            else if (!stored.shape.SequenceEqual(parameter.shape))
                problems.Add($"tensor '{name}' has shape [{string.Join(",", stored.shape)}], the model has [{string.Join(",", parameter.shape)}]");
        }
        var names = parameters.Select(p => p.name).ToHashSet(StringComparer.Ordinal);
        problems.AddRange(tensors.Keys
            .Where(n => !names.Contains(n) && !(n == "lm_head.weight" && model.Config.TieWordEmbeddings))
            .Select(n => $"unexpected tensor '{n}'"));
        if (problems.Count > 0)
            throw new InvalidDataException($"weights {version}: {HfCheckpoint.WeightsFile} does not fit the model: {string.Join("; ", problems)}.");

        using (no_grad())
            foreach (var (name, parameter) in parameters)
                parameter.copy_(tensors[name]); // to the parameter's device and dtype
    }

    /// <summary>
    /// Checks that <paramref name="version"/> has a manifest and that the folder holds exactly its files, each
    /// with the recorded size and SHA-256. Returns the version's folder. All problems are reported at once.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The version is not published.</exception>
    /// <exception cref="InvalidDataException">The version is corrupt.</exception>
    public static string Verify(WeightsVersion version, string runDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runDirectory);
        string directory = version.PathIn(runDirectory);
        if (!Directory.Exists(directory))
        {
            string latest = Latest(runDirectory)?.ToString() ?? "none";
            throw new DirectoryNotFoundException(
                $"weights {version} is not published in {Path.Combine(runDirectory, WeightsFolder)} (latest: {latest}); " +
                "it may have been pruned — load a newer version.");
        }

        CheckAgainstManifest(directory, version.Number, $"weights {version}");
        return directory;
    }

    /// <summary>
    /// Seals a finished model folder (<c>models/NAME</c>) with a manifest, so the nodes that load it later
    /// (the guide) can check it as they check weights versions. Rank 0 calls it when a stage ends.
    /// </summary>
    public static void SealModel(string modelDirectory) =>
        WeightsManifest.Describe(0, modelDirectory).Write(Path.Combine(modelDirectory, WeightsManifest.FileName));

    /// <summary>Checks a sealed model folder against its manifest; throws naming every mismatching file.</summary>
    public static void VerifyModel(string modelDirectory)
    {
        if (!Directory.Exists(modelDirectory)) throw new DirectoryNotFoundException($"model {modelDirectory} does not exist.");
        CheckAgainstManifest(modelDirectory, 0, $"model {Path.GetFileName(modelDirectory)}");
    }

    private static void CheckAgainstManifest(string directory, int expectedVersion, string label)
    {
        string manifestPath = Path.Combine(directory, WeightsManifest.FileName);
        if (!File.Exists(manifestPath))
            throw Corrupt(label, directory, [$"{WeightsManifest.FileName} is missing, so no file can be checked"]);
        WeightsManifest manifest;
        try
        {
            manifest = WeightsManifest.Read(manifestPath);
        }
        catch (InvalidDataException e)
        {
            throw Corrupt(label, directory, [e.Message], e);
        }

        var problems = new List<string>();
        if (manifest.Version != expectedVersion)
            problems.Add($"{WeightsManifest.FileName} is for version {manifest.Version}, not {expectedVersion}");
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var expected in manifest.Files)
        {
            if (expected.Name != Path.GetFileName(expected.Name) || expected.Name is "" or "." or ".." or WeightsManifest.FileName)
            {
                problems.Add($"{WeightsManifest.FileName} lists '{expected.Name}', which is not a file name in this folder");
                continue;
            }
            if (!listed.Add(expected.Name))
            {
                problems.Add($"{WeightsManifest.FileName} lists {expected.Name} twice");
                continue;
            }
            string path = Path.Combine(directory, expected.Name);
            if (!File.Exists(path))
            {
                problems.Add($"{expected.Name} is missing (SHA-256 expected {expected.Sha256}, got no file)");
                continue;
            }
            var actual = WeightsManifest.Hash(path);
            if (actual.Size != expected.Size || !string.Equals(actual.Sha256, expected.Sha256, StringComparison.OrdinalIgnoreCase))
                problems.Add($"{expected.Name}: SHA-256 expected {expected.Sha256}, got {actual.Sha256} " +
                             $"(size expected {Bytes(expected.Size)}, got {Bytes(actual.Size)})");
        }
        foreach (string extra in Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName).OfType<string>()
                     .Where(n => n != WeightsManifest.FileName && !listed.Contains(n)).Order(StringComparer.Ordinal))
            problems.Add($"{extra} is not in {WeightsManifest.FileName} (SHA-256 expected none, got an extra entry)");
        if (problems.Count > 0)
            throw Corrupt(label, directory, problems);
    }

    /// <summary>The newest published version, or null when none is.</summary>
    public static WeightsVersion? Latest(string runDirectory)
    {
        var published = WeightsVersion.ListPublished(runDirectory);
        return published.Count == 0 ? null : published[^1];
    }

    /// <summary>
    /// Deletes every version older than <paramref name="keepFrom"/> (<paramref name="keepFrom"/> itself and newer
    /// stay: rollout nodes may still be loading recent ones), plus temporary folders of such versions left by
    /// a crashed publisher. Returns the versions deleted, oldest first.
    /// </summary>
    public static IReadOnlyList<WeightsVersion> Prune(string runDirectory, WeightsVersion keepFrom)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runDirectory);
        string root = Path.Combine(runDirectory, WeightsFolder);
        var deleted = new List<WeightsVersion>();
        foreach (var version in WeightsVersion.ListPublished(runDirectory).Where(v => v.CompareTo(keepFrom) < 0))
        {
            // Rename first: a reader never finds the version half-deleted (it is there, complete, or gone).
            string trash = Path.Combine(root, $"{TrashPrefix}{version.DirectoryName}-{Guid.NewGuid():N}");
            Directory.Move(version.PathIn(runDirectory), trash);
            Directory.Delete(trash, recursive: true);
            deleted.Add(version);
        }
        if (Directory.Exists(root))
            foreach (string leftover in Directory.EnumerateDirectories(root))
                if (LeftoverVersion(Path.GetFileName(leftover)) is { } v && v.CompareTo(keepFrom) < 0)
                    Directory.Delete(leftover, recursive: true);
        return deleted;
    }

    /// <summary>The version a temporary or trash folder belongs to (<c>.tmp-v000012-…</c>), or null for other names.</summary>
    internal static WeightsVersion? LeftoverVersion(string name)
    {
        foreach (string prefix in new[] { TempPrefix, TrashPrefix })
            if (name.StartsWith(prefix, StringComparison.Ordinal) && name.Length > prefix.Length + 7 &&
                WeightsVersion.TryParse(name.Substring(prefix.Length, 7), out var v))
                return v;
        return null;
    }

    private static InvalidOperationException AlreadyPublished(WeightsVersion version, string target) =>
        new($"weights {version} is already published at {target}; versions are immutable — publish a new version number " +
            $"(latest + 1) or delete that folder first.");

    private static InvalidDataException Corrupt(string label, string directory, IReadOnlyList<string> problems, Exception? inner = null) =>
        new($"{label} in {directory} is corrupt and was not loaded:\n  " + string.Join("\n  ", problems) +
            "\nRe-publish or delete that version.", inner);

    private static string Bytes(long n) => n.ToString("N0", CultureInfo.InvariantCulture) + " bytes";
}

/// <summary>Which RL stage and step a published policy belongs to (<c>policy.json</c> in its folder).</summary>
public sealed record PolicyTag(string Stage, int Step)
{
    public const string FileName = "policy.json";

    public void Write(string directory) =>
        File.WriteAllText(Path.Combine(directory, FileName), System.Text.Json.JsonSerializer.Serialize(this));

    /// <summary>The tag in a version folder, or null when it has none or it cannot be read.</summary>
    public static PolicyTag? TryRead(string directory)
    {
        try { return System.Text.Json.JsonSerializer.Deserialize<PolicyTag>(File.ReadAllText(Path.Combine(directory, FileName))); }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException or UnauthorizedAccessException) { return null; }
    }
}
