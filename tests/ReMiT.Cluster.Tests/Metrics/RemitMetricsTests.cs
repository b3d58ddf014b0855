using ReMiT.Cluster.Metrics;

namespace ReMiT.Cluster.Tests.Metrics;

public sealed class RemitMetricsTests
{
    /// <summary>
    /// The dashboard plots reissued leases and dropped messages per reason; a healthy run must serve those series
    /// at 0 (scripts/check-images.sh found them missing from every node's /metrics). The reasons are spelled out
    /// here, not taken from the constants, so a renamed label value fails this test.
    /// </summary>
    [Fact]
    public void ExportText_NewInstance_ServesEveryReissueAndDropReasonAtZero()
    {
        string text = new RemitMetrics().ExportText();

        foreach (string reason in new[] { "member_lost", "failed", "timeout" })
            Assert.Contains($"remit_leases_reissued_total{{reason=\"{reason}\"}} 0", text);
        foreach (string reason in new[] { "unknown_manifest", "malformed", "oversized", "chunk_timeout", "chunk_overflow", "not_protocol" })
            Assert.Contains($"remit_messages_dropped_total{{reason=\"{reason}\"}} 0", text);
    }
}
