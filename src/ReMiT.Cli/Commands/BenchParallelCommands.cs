using System.CommandLine;
using System.Text.Json;
using ReMiT.Cluster.Mpi;
using ReMiT.Model;
using ReMiT.Model.Checkpoints;
using ReMiT.Training.Benchmarks;
using static TorchSharp.torch;

namespace ReMiT.Cli.Commands;

/// <summary>
/// <c>remit bench allreduce|dp</c>: the collective and data-parallel training, under mpirun or
/// alone. Every rank runs the same command; rank 0 prints and writes.
/// </summary>
internal static class BenchParallelCommands
{
    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command CreateAllReduce()
    {
        var mb = new Option<int>("--mb") { Description = "Buffer size in MiB (float32).", DefaultValueFactory = _ => 64 };
        var iters = new Option<int>("--iters") { Description = "Timed all-reduces (after 2 warmup ones).", DefaultValueFactory = _ => 20 };
        var json = new Option<bool>("--json") { Description = "Print only one JSON line." };
        var command = new Command("allreduce",
            "Times in-place float32 MPI_Allreduce, and MPI_Reduce_scatter_block + MPI_Allgather pairs (ZeRO-1's), through the .NET binding " +
            "after checking a sum, a broadcast, a reduce-scatter and an all-gather on every rank; " +
            "prints algorithm and bus bandwidth (GB/s, bus = 2(N-1)/N x algorithm).\n\n" +
            "Example:\n  mpirun --allow-run-as-root --oversubscribe -np 2 remit bench allreduce --mb 64 --iters 20") { mb, iters, json };
        command.SetGuardedAction((p, output, error) => Collectives.Run(collective =>
        {
            var r = AllReduceBenchmark.Run(collective, (long)p.GetValue(mb) << 20, p.GetValue(iters));
            if (collective.Rank == 0)
            {
                if (!p.GetValue(json))
                    output.WriteLine($"allreduce {r.Bytes >> 20} MiB x {r.Iterations} on {r.Ranks} ranks: {r.SecondsPerIteration * 1e3:F2} ms each, " +
                                     $"algbw {r.AlgBandwidth:F2} GB/s, busbw {r.BusBandwidth:F2} GB/s; reduce-scatter + all-gather {r.ShardedSecondsPerIteration * 1e3:F2} ms, " +
                                     $"busbw {r.ShardedBusBandwidth:F2} GB/s; check {(r.RanksFailingCheck == 0 ? "ok on every rank" : $"FAILED on {r.RanksFailingCheck} ranks")}");
                output.WriteLine(JsonSerializer.Serialize(r, SnakeCase));
            }
            if (r.RanksFailingCheck == 0) return 0;
            error.WriteLine($"bench allreduce: rank {collective.Rank}: {r.RanksFailingCheck} of {r.Ranks} ranks got a wrong sum or broadcast.");
            return 1;
        }, error));
        return command;
    }

    public static Command CreateDataParallel()
    {
        var preset = new Option<string>("--preset") { Description = "Model preset: smoke, tiny, small or base.", DefaultValueFactory = _ => "smoke" };
        var modelDir = new Option<string?>("--model") { Description = "A model directory whose config.json gives the shape instead of --preset (its weights are not read: random, as with a preset)." };
        var dtype = new Option<string>("--dtype") { Description = "Model weights: float32 or bfloat16 (the optimizer is float32 either way).", DefaultValueFactory = _ => "float32" };
        var steps = new Option<int>("--steps") { Description = "Optimizer steps.", DefaultValueFactory = _ => 4 };
        var batch = new Option<int>("--batch") { Description = "Global rows per micro-batch (a multiple of the rank count); GRPO: prompts per step.", DefaultValueFactory = _ => 8 };
        var seq = new Option<int>("--seq-len") { Description = "Longest row in tokens.", DefaultValueFactory = _ => 64 };
        var accumulation = new Option<int>("--accumulation") { Description = "Micro-batches per step (token stages).", DefaultValueFactory = _ => 2 };
        var weighting = new Option<string>("--weighting") { Description = "uniform (pre-training) or remit (mid-training with a guide).", DefaultValueFactory = _ => "uniform" };
        var grpo = new Option<bool>("--grpo") { Description = "GRPO learner steps on synthetic rollouts instead of token training." };
        var zero = new Option<int>("--zero")
        {
            Description = "ZeRO stage: 0 (every rank holds the whole optimizer state) or 1 (each holds 1/ranks of it; same weights).",
            DefaultValueFactory = _ => 0,
        };
        var outPath = new Option<string?>("--out") { Description = "Rank 0 writes the final float32 parameters here (safetensors)." };
        var json = new Option<bool>("--json") { Description = "Print only one JSON line." };
        var command = new Command("dp",
            "Trains a preset's model from a fixed seed on a fixed global batch through the real training loops, data parallel over " +
            "the mpirun ranks (or alone); any rank count must end with the same weights. Prints global tokens/s.\n\n" +
            "Example:\n  mpirun --allow-run-as-root --oversubscribe -np 2 remit bench dp --steps 4 --zero 1 --out /tmp/dp2.safetensors")
            { preset, modelDir, dtype, steps, batch, seq, accumulation, weighting, grpo, zero, outPath, json };
        command.SetGuardedAction((p, output, error) => p.GetValue(zero) is not (0 or 1)
            ? throw new ArgumentException($"--zero must be 0 or 1, got {p.GetValue(zero)}.")
            : Collectives.Run(collective =>
        {
            TorchRuntime.EnsureLoaded();
            var shape = p.GetValue(modelDir) is { } dir ? FromConfig(dir) : ModelPresets.Get(p.GetValue(preset)!);
            var options = new DataParallelBenchmarkOptions(shape, p.GetValue(steps), p.GetValue(batch),
                p.GetValue(seq), p.GetValue(accumulation), p.GetValue(weighting)!, p.GetValue(grpo), Zero: p.GetValue(zero),
                Dtype: TorchRuntime.ParseDtype(p.GetValue(dtype)!), KeepTensors: p.GetValue(outPath) is not null);
            bool quiet = p.GetValue(json);
            using var result = DataParallelBenchmark.Run(options, collective, quiet ? TextWriter.Null : output);
            if (collective.Rank != 0) return 0;
            if (p.GetValue(outPath) is { } path) SafeTensorsFile.Save(path, result.Tensors);
            string mode = options.Grpo ? "grpo" : options.Weighting == "uniform" ? "pretrain" : $"midtrain:{options.Weighting}";
            if (!quiet)
                output.WriteLine($"bench dp {mode}: {result.Ranks} ranks x {get_num_threads()} threads, ZeRO {options.Zero}, {result.Steps} steps, {result.Tokens} tokens " +
                                 $"in {result.Seconds:F2} s = {result.TokensPerS:F0} tokens/s, final loss {result.FinalLoss:F6}, " +
                                 $"peak resident per rank {string.Join(" / ", result.PeakResidentMbPerRank.Select(mb => $"{mb:F0}"))} MB");
            output.WriteLine(JsonSerializer.Serialize(new
            {
                options.Preset.Name, Mode = mode, result.Ranks, Threads = get_num_threads(), options.Zero,
                Dtype = options.Dtype == ScalarType.BFloat16 ? "bf16" : "f32", Params = options.Preset.Config.ParameterCount(), result.Steps, result.Tokens,
                result.Seconds, result.TokensPerS, result.FinalLoss, result.PeakResidentMbPerRank,
            }, SnakeCase));
            return 0;
        }, error));
        return command;
    }

    // A model directory's shape as a preset: config.json only (checked against its bounds), named by the directory.
    private static ModelPreset FromConfig(string dir)
    {
        string path = Path.Combine(dir, HfCheckpoint.ConfigFile);
        if (!File.Exists(path))
            throw new FileNotFoundException($"--model: '{dir}' has no {HfCheckpoint.ConfigFile}; point it at a Hugging Face model directory.", path);
        var config = HfConfig.Load(path);
        return new ModelPreset(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir))), $"shape of {path}", config,
                               SeqLen: config.MaxPositionEmbeddings, BatchSize: 1);
    }
}
