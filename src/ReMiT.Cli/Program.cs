using System.CommandLine;
using ReMiT.Cli.Commands;

namespace ReMiT.Cli;

/// <summary>The <c>remit</c> command line: this file only wires the subcommands together.</summary>
public static class Program
{
    public static int Main(string[] args) => BuildRoot().Parse(args).Invoke();

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("ReMiT.Distributed: pre-training, RLVR and RL-guided mid-training (the ReMiT flywheel).");
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(TokenizeCommand.Create());
        root.Subcommands.Add(TokenizerCommand.Create());
        return root;
    }
}
