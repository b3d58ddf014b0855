using Akka.Event;
using ReMiT.Cluster.Metrics;

namespace ReMiT.Cluster.Actors;

/// <summary>
/// Counts every refused message in <c>remit_messages_rejected_total{reason}</c> and logs it: the first
/// of each reason as a warning, later ones as one warning per reason per minute (with how many were
/// refused since) and the rest at debug, so a flood of forged messages cannot flood the log as well.
/// </summary>
internal sealed class RejectionLog(RemitMetrics metrics, ILoggingAdapter log, TimeProvider? time = null)
{
    private static readonly TimeSpan WarnEvery = TimeSpan.FromMinutes(1);
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Dictionary<string, (long LastWarned, int Since)> _byReason = [];

    /// <summary>Refuses one message: <paramref name="reason"/> is one of <see cref="RejectReasons"/>, <paramref name="detail"/> names the message and its sender.</summary>
    public void Reject(string reason, string detail)
    {
        metrics.MessagesRejected.WithLabels(reason).Inc();
        long now = _time.GetTimestamp();
        if (!_byReason.TryGetValue(reason, out var state) || _time.GetElapsedTime(state.LastWarned, now) >= WarnEvery)
        {
            string since = state.Since > 0 ? $" ({state.Since} more refused for this reason since the last warning)" : "";
            log.Warning("refused a message ({0}): {1}{2}", reason, detail, since);
            _byReason[reason] = (now, 0);
            return;
        }
        _byReason[reason] = (state.LastWarned, state.Since + 1);
        log.Debug("refused a message ({0}): {1}", reason, detail);
    }
}
