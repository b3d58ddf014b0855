using System.CommandLine;
using ReMiT.Model;

namespace ReMiT.Cli.Commands;

/// <summary><c>remit info</c>: which libtorch and devices this build runs on.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Show the loaded libtorch (NuGet CPU build or external, e.g. CUDA) and the devices it sees.\n\nExample:\n  remit info");
        command.SetGuardedAction((_, output, _) =>
        {
            TorchRuntimeInfo info = TorchRuntime.Describe();
            output.WriteLine($"torchsharp:  {info.TorchSharpVersion}");
            output.WriteLine($"libtorch:    {info.LibTorchPath} ({info.LibTorchSource})");
            output.WriteLine($"cuda:        {(info.CudaAvailable ? $"available, {info.CudaDeviceCount} device(s)" : "not available")}");
            output.WriteLine($"cpu threads: {info.Threads}");
            output.WriteLine($"host malloc: {HostAllocator.Status}");
            output.WriteLine($"device:      {(info.CudaAvailable ? "cuda" : "cpu")} (default for --device auto)");
            return 0;
        });
        return command;
    }
}
