namespace ReMiT.Cli.Tests;

/// <summary>
/// <see cref="KubernetesBootstrapTests"/> runs with no other test beside it (three node processes and a time bound;
/// a cluster run of seven processes next to it would stretch every timing on a two-core runner).
/// </summary>
[CollectionDefinition(KubernetesBootstrapTests.Alone, DisableParallelization = true)]
public sealed class KubernetesBootstrapRuns
{
}
