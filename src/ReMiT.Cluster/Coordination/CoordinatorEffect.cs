using ReMiT.Cluster.Messages;
using ReMiT.Training.Reporting;

namespace ReMiT.Cluster.Coordination;

// What a transition of CoordinatorState asks the actor to do, in order: the state decides, the actor
// carries it out (sends, writes, counts). Small records that only make sense together share this file.

/// <summary>One thing the coordinator actor does because of a transition.</summary>
public abstract record CoordinatorEffect;

/// <summary>Send <paramref name="Message"/> to the registered member <paramref name="Member"/> (chunked when big).</summary>
public sealed record SendTo(string Member, IRemitMessage Message) : CoordinatorEffect;

/// <summary>
/// Write <paramref name="Record"/> to the journal (fsync'd) before carrying out the effects after it;
/// <paramref name="Restart"/>: the journal becomes this record alone (the snapshot at a stage boundary).
/// </summary>
public sealed record Persist(JournalRecord Record, bool Restart = false) : CoordinatorEffect;

/// <summary>A progress line for the console (people read it).</summary>
public sealed record Say(string Line) : CoordinatorEffect;

/// <summary>A warning for the log.</summary>
public sealed record Warn(string Line) : CoordinatorEffect;

/// <summary>A message was refused: counted in <c>remit_messages_rejected_total{reason}</c> and logged.</summary>
public sealed record Refuse(string Reason, string Why) : CoordinatorEffect;

/// <summary>An evaluation's rows go to the run directory (results.json, the stage summary).</summary>
public sealed record RecordEvaluation(string Model, IReadOnlyList<ResultRow> Rows, DateTimeOffset Started) : CoordinatorEffect;

/// <summary>A counter moves by <paramref name="Amount"/> (label where the metric has one).</summary>
public sealed record CountMetric(CoordinatorCounter Counter, double Amount, string? Label = null) : CoordinatorEffect;

/// <summary>The run ends: with <paramref name="Error"/>, or (null) every stage done and the report is due.</summary>
public sealed record FinishRun(string? Error) : CoordinatorEffect;

/// <summary>The counters a transition moves.</summary>
public enum CoordinatorCounter
{
    /// <summary><c>remit_leases_reissued_total{reason}</c>.</summary>
    LeasesReissued,
    /// <summary><c>remit_experiences_lost_total</c>.</summary>
    ExperiencesLost,
    /// <summary><c>remit_duplicate_results_dropped_total</c>.</summary>
    DuplicateResultsDropped,
    /// <summary><c>remit_experiences_stale_total</c>.</summary>
    ExperiencesStale,
    /// <summary>One observation of <c>remit_rollout_staleness_versions</c> (Amount = versions behind).</summary>
    Staleness,
}
