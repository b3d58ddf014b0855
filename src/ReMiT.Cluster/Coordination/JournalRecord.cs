using System.Text.Json.Serialization;
using ReMiT.Cluster.Messages;

namespace ReMiT.Cluster.Coordination;

// What the coordinator's journal holds (coordinator/journal.jsonl in the run directory): only what the run
// directory does not already say. Finished stages are their stage summaries, the learner's place is its
// checkpoint, policies are in weights/; what is lost with the coordinator's memory is the current RL stage's
// verified rollouts (regenerating them costs a whole generation and verification round).

/// <summary>One line of the coordinator's journal.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "record")]
[JsonDerivedType(typeof(StageStartedRecord), "stage_started")]
[JsonDerivedType(typeof(UnitVerifiedRecord), "unit_verified")]
public abstract record JournalRecord;

/// <summary>
/// The coordinator started <paramref name="Stage"/>: the journal's snapshot at a stage boundary (the file is
/// rewritten to hold this record only; what earlier stages needed is in their summaries).
/// </summary>
public sealed record StageStartedRecord(string Stage) : JournalRecord;

/// <summary>
/// Verified rollouts of one lease of an RL step, accepted and not to be generated again: prompts from
/// <paramref name="FirstPrompt"/>, made by policy version <c>Rollouts[i].PolicyVersion</c>.
/// </summary>
public sealed record UnitVerifiedRecord(string Stage, int Step, int FirstPrompt, RolloutRecord[] Rollouts) : JournalRecord;
