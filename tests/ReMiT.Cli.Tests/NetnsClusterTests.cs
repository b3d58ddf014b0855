using System.Text.Json.Nodes;

namespace ReMiT.Cli.Tests;

/// <summary>
/// Faults on a real network: <c>cluster/netns/up.sh</c> runs the cluster of <see cref="LocalClusterTests"/> (same
/// settings) with every node in its own network namespace at its own address, and <c>cluster/netns/fault.sh</c>
/// cuts one node's traffic with iptables. Each faulted run must end as the uninterrupted reference run did: no
/// experience lost or duplicated, byte-identical models, the same evaluation rows. The reference is the 127.0.0.1
/// run, since what the models hold depends neither on the transport nor on timing.
/// </summary>
[Collection(ClusterRuns.Name)]
public sealed class NetnsClusterTests(LocalClusterTests.ReferenceRun reference)
{
    private static readonly TimeSpan Limit = LocalClusterTests.Limit;

    [NetnsFact]
    public void NetnsUpSh_RolloutPartitionedPastTheLeaseTimeoutThenHealed_RunCompletesLosingNothingWithTheSameModels()
    {
        Assert.True(reference.ExitCode == 0, reference.Output);
        string run = Path.Combine(reference.Root, "netns-rollout-partitioned");
        // Leases of 15 s, so the cut outlasts one: a rollout lease takes well under a second, an evaluation a few
        // seconds (one that outlived its lease would be done twice), and a cut under 30 s does not get rollout-1 downed.
        using var cluster = LocalCluster.Start("netns", run, [.. LocalClusterTests.Settings, "--set", "cluster.lease_timeout_s=15"], new Dictionary<string, string>());

        cluster.WaitForLog("stage 2/12: rl:base", Limit);
        cluster.WaitForPolicies(2, Limit);
        cluster.Fault("rollout-1", "partition");
        // The coordinator takes back what the cut-off node held and gives it to rollout-2.
        cluster.WaitForLog("rollout lease(s) timed out and were reissued", Limit);
        cluster.Fault("rollout-1", "heal");

        Assert.True(cluster.WaitForExit(Limit) == 0, cluster.Output + cluster.Logs());
        AssertEveryNodeAtItsOwnAddress(run);
        // rollout-1's own result for the lease it held arrives after the heal and is dropped (the reissued copy won).
        int reissued = LocalClusterTests.ReissuedLeases(run);
        Assert.True(reissued >= 1, "the cut must outlast a lease");
        LocalClusterTests.AssertLostNothingAndMatches(reference.RunDirectory, run, reissued);
    }

    [NetnsFact]
    public void NetnsUpSh_LearnersCutFromTheCoordinatorFor2sMidRlAndMidMidTraining_RunCompletesLosingNothingWithTheSameModels()
    {
        Assert.True(reference.ExitCode == 0, reference.Output);
        string run = Path.Combine(reference.Root, "netns-learners-partitioned");
        using var cluster = LocalCluster.Start("netns", run, LocalClusterTests.Settings, new Dictionary<string, string>());

        cluster.WaitForLog("stage 2/12: rl:base", Limit);
        cluster.WaitForPolicies(2, Limit);
        CutFor2Seconds(cluster, "learners");
        cluster.WaitForLog("stage 5/12: midtrain:remit", Limit);
        Thread.Sleep(500);
        CutFor2Seconds(cluster, "learners");

        Assert.True(cluster.WaitForExit(Limit) == 0, cluster.Output + cluster.Logs());
        LocalClusterTests.AssertLostNothingAndMatches(reference.RunDirectory, run);
    }

    private static void CutFor2Seconds(LocalCluster cluster, string node)
    {
        cluster.Fault(node, "partition");
        try { Thread.Sleep(TimeSpan.FromSeconds(2)); }
        finally { cluster.Fault(node, "heal"); }
    }

    // Seven members, each at the 198.18.0.0/15 address of its own namespace (the learner ranks share the learner job's).
    private static void AssertEveryNodeAtItsOwnAddress(string run)
    {
        var members = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "results.json")))!["cluster"]!["members"]!.AsArray();
        var hosts = members.Select(m => new Uri(m!["address"]!.GetValue<string>().Replace("akka.ssl.tcp://remit@", "tcp://").Replace("akka.tcp://remit@", "tcp://")).Host).ToList();
        Assert.Equal(7, hosts.Count);
        Assert.All(hosts, h => Assert.StartsWith("198.1", h));
        Assert.Equal(6, hosts.Distinct().Count()); // coordinator, verifier, guide, 2 rollout nodes, the learner job
        var nodes = File.ReadAllLines(Path.Combine(run, "netns", "nodes")).Select(l => l.Split(' ')[2]).ToHashSet();
        Assert.All(hosts, h => Assert.Contains(h, nodes));
    }
}
