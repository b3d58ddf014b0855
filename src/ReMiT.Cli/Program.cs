using System.CommandLine;
using ReMiT.Cli.Commands;
using ReMiT.Model;

namespace ReMiT.Cli;

/// <summary>The <c>remit</c> command line: this file only wires the subcommands together.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        HostAllocator.Tune(); // before libtorch allocates anything (bench/RESULTS.md, "Host allocator")
        return Run(args, Console.Out, Console.Error);
    }

    /// <summary>Runs the command line with the given writers (tests pass their own).</summary>
    /// <remarks>A command line that does not parse (unknown or missing flag, bad value) exits 2, like every other usage error.</remarks>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var parsed = BuildRoot().Parse(args);
        int exit = parsed.Invoke(new InvocationConfiguration { Output = output, Error = error });
        return parsed.Errors.Count > 0 && exit == 1 ? CliErrors.UsageError : exit;
    }

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("ReMiT.Distributed: pre-training, RLVR and RL-guided mid-training (the ReMiT flywheel).");
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(DataCommand.Create());
        root.Subcommands.Add(VerifyCommand.Create());
        root.Subcommands.Add(KkCommand.Create());
        root.Subcommands.Add(ScoreCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(WeightsCommand.Create());
        root.Subcommands.Add(SftCommand.Create());
        root.Subcommands.Add(ConvertCommand.Create());
        root.Subcommands.Add(FlywheelCommand.Create());
        root.Subcommands.Add(ExperimentCommand.Create());
        root.Subcommands.Add(NodeCommand.Create());
        root.Subcommands.Add(ReportCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(PlanCommand.Create());
        root.Subcommands.Add(TokenizeCommand.Create());
        root.Subcommands.Add(TokenizerCommand.Create());
        return root;
    }
}
