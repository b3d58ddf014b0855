using System.CommandLine;
using ReMiT.Model;

namespace ReMiT.Cli.Commands;

/// <summary><c>remit info</c>: which libtorch and devices this build runs on.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Show the loaded libtorch (NuGet CPU build or external, e.g. CUDA) and the devices it sees.\n\nExample:\n  remit info");
        command.SetAction(_ =>
        {
            TorchRuntimeInfo info = TorchRuntime.Describe();
            Console.WriteLine($"torchsharp:  {info.TorchSharpVersion}");
            Console.WriteLine($"libtorch:    {info.LibTorchPath} ({info.LibTorchSource})");
            Console.WriteLine($"cuda:        {(info.CudaAvailable ? $"available, {info.CudaDeviceCount} device(s)" : "not available")}");
            Console.WriteLine($"cpu threads: {info.Threads}");
            Console.WriteLine($"device:      {(info.CudaAvailable ? "cuda" : "cpu")} (default for --device auto)");
            return 0;
        });
        return command;
    }
}
