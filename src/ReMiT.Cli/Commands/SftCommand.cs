using System.CommandLine;
using ReMiT.Model;
using ReMiT.Model.Checkpoints;
using ReMiT.Tokenization;
using ReMiT.Training.Data;
using ReMiT.Training.Reporting;
using ReMiT.Training.Stages;

namespace ReMiT.Cli.Commands;

/// <summary><c>remit sft</c>: warm-up by distilling chains of thought, prompt tokens masked out of the loss.</summary>
internal static class SftCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Starting model directory (with its tokenizer.json).", Required = true };
        var outDir = new Option<string>("--out") { Description = "Directory for the fine-tuned model, checkpoints and metrics.", Required = true };
        var task = new Option<string>("--task") { Description = "kk (Knights & Knaves backtracking traces) or gsm (solution traces).", DefaultValueFactory = _ => "kk" };
        task.AcceptOnlyFromAmong("kk", "gsm");
        var people = new Option<string>("--people") { Description = "kk: number of people.", DefaultValueFactory = _ => "3-5" };
        var ops = new Option<string>("--ops") { Description = "gsm: operation counts.", DefaultValueFactory = _ => "2-4" };
        var documents = new Option<int>("--documents") { Description = "Training examples to generate.", DefaultValueFactory = _ => 100 };
        var steps = new Option<int>("--steps") { Description = "Optimizer steps.", DefaultValueFactory = _ => 100 };
        var batch = new Option<int>("--batch-size") { Description = "Examples per step.", DefaultValueFactory = _ => 8 };
        var seqLen = new Option<int>("--seq-len") { Description = "Longest example in tokens (longer ones are cut).", DefaultValueFactory = _ => 1024 };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => 1e-3 };
        var seed = new Option<long>("--seed") { Description = "Data seed.", DefaultValueFactory = _ => 1 };
        var device = new Option<string>("--device") { Description = "cpu, cuda, cuda:N or auto.", DefaultValueFactory = _ => "cpu" };
        var maxShard = MaxShardSizeOption.Create();
        var command = new Command("sft",
            "Supervised warm-up on generated reasoning traces (e.g. Knights & Knaves backtracking, as in Warm-up, arXiv 2505.13718),\n" +
            "with the prompt masked out of the loss. Resumes from DIR's checkpoint if there is one.\n\n" +
            "Example:\n  remit sft --model runs/tiny/models/base --task kk --people 3-5 --documents 100 --steps 200 --out runs/kk-warmup")
            { model, outDir, task, people, ops, documents, steps, batch, seqLen, lr, seed, device, maxShard };
        command.SetGuardedAction((p, output, _) =>
        {
            TorchRuntime.EnsureLoaded();
            var dev = TorchRuntime.ResolveDevice(p.GetValue(device)!);
            long shardBytes = MaxShardSizeOption.Bytes(p.GetValue(maxShard)!);
            string from = p.GetValue(model)!, run = Path.GetFullPath(p.GetValue(outDir)!);
            var tokenizer = HfTokenizer.Load(Path.Combine(from, HfCheckpoint.TokenizerFile));
            CorpusSource source = p.GetValue(task) == "kk" ? new KkCorpusSource { People = p.GetValue(people)! } : new GsmCorpusSource { Ops = p.GetValue(ops)! };
            var options = new SftOptions(new CorpusMixture([source]), p.GetValue(documents), p.GetValue(steps), p.GetValue(batch), p.GetValue(seqLen), p.GetValue(lr));
            Directory.CreateDirectory(run);
            using var metrics = MetricsLog.ForRun(run);
            var ctx = new StageContext(run, dev, metrics, output, CancellationToken.None);
            using var start = HfCheckpoint.Load(from, dev);
            var outcome = SftStage.Run(ctx, "sft", options, start, tokenizer, Path.Combine(run, "checkpoints", "sft"), unchecked((ulong)p.GetValue(seed)));
            string dir = Path.Combine(run, "model");
            HfCheckpoint.Save(start, dir, maxShardBytes: shardBytes);
            tokenizer.Save(Path.Combine(dir, HfCheckpoint.TokenizerFile));
            output.WriteLine($"sft: {outcome.Steps} steps, {outcome.Tokens:N0} tokens, final loss {outcome.FinalLoss:F4} → {dir}");
            return 0;
        });
        return command;
    }
}
