namespace ReMiT.Tests.Shared;

/// <summary>Locates files of the repository from a test's output folder.</summary>
internal static class RepoPaths
{
    /// <summary>The repository root: the nearest ancestor holding ReMiT.Distributed.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A file under tests/fixtures, e.g. Fixture("external", "kk_xie_sample.jsonl").</summary>
    public static string Fixture(params string[] parts) =>
        Path.Combine([Root, "tests", "fixtures", .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ReMiT.Distributed.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"No ReMiT.Distributed.sln above {AppContext.BaseDirectory}.");
    }
}
