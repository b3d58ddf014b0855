using Akka.Actor;
using Akka.Event;
using ReMiT.Cluster.Coordination;
using ReMiT.Cluster.Hosting;
using ReMiT.Cluster.Messages;
using ReMiT.Training.Data;
using ReMiT.Training.Flywheel;
using ReMiT.Training.Stages;

namespace ReMiT.Cluster.Actors;

/// <summary>
/// Verifier role (CPU only, no model): scores rollouts with their task's verifier — the Interplay
/// outcome + process reward for GSM, the configured scheme for K&amp;K — rebuilding the step's
/// prompts from the config rather than receiving them.
/// </summary>
public sealed class VerifierWorker : RoleWorker
{
    private const int Credit = 4;
    private readonly Dictionary<(string Stage, int Step), EvalItem[]> _prompts = [];
    private readonly HashSet<long> _inFlight = []; // a lease handed out again while we still score it is not scored twice

    public VerifierWorker(IActorRef coordinator, NodeServices node) : base(WorkerRole.Verifier, coordinator, node)
    {
        Receive<VerifyWork>(w =>
        {
            // The stage name becomes a file name (rl.ops = auto reads its calibration): a bad one fails this item only.
            try { RunPaths.StageName(w.Stage); }
            catch (InvalidDataException e) { Fail(w.WorkId, WorkKind.Verify, $"verify work {w.WorkId}: {e.Message}"); return; }
            // Prompts are cached on the actor's thread; scoring runs off it.
            if (!_prompts.TryGetValue((w.Stage, w.Step), out var items))
            {
                if (_prompts.Count > 8) _prompts.Clear();
                _prompts[(w.Stage, w.Step)] = items = RlPrompts.ForStage(Node.Run, w.Stage).ForStep(w.Step); // stages may differ in ops (rl.ops = auto)
            }
            if (!_inFlight.Add(w.WorkId)) return;
            RunOffActor(w.WorkId, WorkKind.Verify, () => Verify(w, items), $"verifying {w.Stage} step {w.Step}");
        });
    }

    protected override void OnComputed(long workId) => _inFlight.Remove(workId);

    protected override WorkKind? CreditKind => WorkKind.Verify;

    protected override void OnRegistered(WorkerRegistered registered) => AskFor(WorkKind.Verify, Credit);

    private RolloutsVerified Verify(VerifyWork w, EvalItem[] items)
    {
        var rl = Node.Run.ForStage(w.Stage).Config.Rl;
        var generator = new RolloutGenerator(Node.Run.Tokenizer, rl.MaxNewTokens, rl.Temperature, rl.GroupSize);
        var scored = w.Rollouts.Select(r =>
        {
            if (r.Prompt < 0 || r.Prompt >= items.Length)
                throw new InvalidDataException($"rollout names prompt {r.Prompt}; step {w.Step} has {items.Length}.");
            var verdict = items[r.Prompt].Verify(generator.Text(new Rollout(r.Prompt, r.PromptIds, r.CompletionIds, r.BehaviourLogProbs, r.PolicyVersion, r.Stopped)));
            return r with { Reward = verdict.Reward, Correct = verdict.Correct };
        }).ToArray();
        return new RolloutsVerified(w.WorkId, w.Stage, w.Step, scored);
    }
}
