namespace ReMiT.Cli.Commands;

/// <summary>Finds run presets: cluster/presets/NAME.json next to the binaries or in the repository, or a file path.</summary>
internal static class Presets
{
    public static string Resolve(string nameOrPath)
    {
        if (nameOrPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            return File.Exists(nameOrPath) ? nameOrPath : throw new FileNotFoundException($"Config file '{nameOrPath}' does not exist.", nameOrPath);
        foreach (string dir in SearchDirectories())
        {
            string candidate = Path.Combine(dir, nameOrPath + ".json");
            if (File.Exists(candidate)) return candidate;
        }
        var known = SearchDirectories().Where(Directory.Exists)
            .SelectMany(d => Directory.GetFiles(d, "*.json")).Select(Path.GetFileNameWithoutExtension).Distinct().Order();
        throw new ArgumentException($"Unknown preset '{nameOrPath}'; known: {string.Join(", ", known)} (or give a path to a .json config).");
    }

    private static IEnumerable<string> SearchDirectories()
    {
        yield return Path.Combine(AppContext.BaseDirectory, "presets");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, "cluster", "presets")))
            {
                yield return Path.Combine(dir.FullName, "cluster", "presets");
                yield break;
            }
    }
}
