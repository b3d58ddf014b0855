namespace ReMiT.Cli.Tests;

/// <summary>
/// The multi-process cluster tests: they share one uninterrupted reference run and take turns (each run is
/// seven processes; two at once on a two-core runner would only slow both down and stretch every timing).
/// </summary>
[CollectionDefinition(Name)]
public sealed class ClusterRuns : ICollectionFixture<LocalClusterTests.ReferenceRun>
{
    public const string Name = "cluster runs";
}
