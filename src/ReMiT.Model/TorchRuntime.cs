using TorchSharp;
using static TorchSharp.torch;

namespace ReMiT.Model;

/// <summary>Which libtorch this process loaded and which devices it can use.</summary>
/// <param name="TorchSharpVersion">Version of the TorchSharp managed assembly.</param>
/// <param name="LibTorchPath">Path of the loaded libtorch_cpu.so (from /proc/self/maps); tells the NuGet CPU build from an external (e.g. PyTorch wheel) one.</param>
/// <param name="LibTorchSource">"nuget" when libtorch sits beside our binaries, "external" when it came from the library path.</param>
/// <param name="CudaAvailable">Whether a CUDA-enabled libtorch and a GPU are present.</param>
/// <param name="CudaDeviceCount">Number of visible GPUs.</param>
/// <param name="Threads">Intra-op threads libtorch uses on the CPU.</param>
public sealed record TorchRuntimeInfo(
    string TorchSharpVersion, string LibTorchPath, string LibTorchSource,
    bool CudaAvailable, int CudaDeviceCount, int Threads);

/// <summary>
/// Loads libtorch and answers questions about it. The same binaries run on the CPU build from
/// NuGet or on any libtorch found on LD_LIBRARY_PATH (build with -p:TorchBackend=external to
/// leave the CPU natives out): the device is a parameter, never a different code path.
/// </summary>
public static class TorchRuntime
{
    /// <summary>
    /// Loads libtorch now, or explains which libtorch was expected and how to provide it.
    /// Call before any other TorchSharp use where a clear message matters more than a trace.
    /// </summary>
    public static void EnsureLoaded()
    {
        try
        {
            _ = torch.get_num_threads();
        }
        catch (TypeInitializationException e)
        {
            bool bundled = File.Exists(Path.Combine(AppContext.BaseDirectory, "libtorch_cpu.so"));
            string hint = bundled
                ? $"the CPU libtorch beside the binaries ({AppContext.BaseDirectory}) failed to load; rebuild so libLibTorchSharp.so is patched (build/ReMiT.Native.targets)."
                : "this build has no libtorch of its own (TorchBackend=external): put one on LD_LIBRARY_PATH, e.g. " +
                  "LD_LIBRARY_PATH=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')/lib, " +
                  "or build with the default -p:TorchBackend=cpu.";
            throw new DllNotFoundException($"libtorch could not be loaded: {hint} ({(e.InnerException ?? e).GetType().Name})", e);
        }
    }

    /// <summary>Loads libtorch (if not yet loaded) and describes it.</summary>
    public static TorchRuntimeInfo Describe()
    {
        EnsureLoaded();
        bool cuda = CudaAvailable();
        int count = cuda ? torch.cuda.device_count() : 0;
        string path = LoadedLibraryPath("libtorch_cpu.so") ?? "(not loaded)";
        string appDir = Path.GetFullPath(AppContext.BaseDirectory);
        string source = path.StartsWith(appDir, StringComparison.Ordinal) ? "nuget" : "external";
        string version = typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";
        return new TorchRuntimeInfo(version, path, source, cuda, count, torch.get_num_threads());
    }

    /// <summary>
    /// Parses a device name: "cpu", "cuda", "cuda:N" or "auto" (CUDA when available, else CPU).
    /// Asking for CUDA without a CUDA libtorch is an error that says how to get one.
    /// </summary>
    public static torch.Device ResolveDevice(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string n = name.Trim().ToLowerInvariant();
        if (n == "auto") return CudaAvailable() ? torch.CUDA : torch.CPU;
        if (n == "cpu") return torch.CPU;
        if (n == "cuda" || n.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!CudaAvailable())
                throw new ArgumentException(
                    $"Device '{name}' requested, but the loaded libtorch ({LoadedLibraryPath("libtorch_cpu.so") ?? "none"}) has no usable CUDA. " +
                    "Build with -p:TorchBackend=external and put a CUDA libtorch on LD_LIBRARY_PATH " +
                    "(e.g. the torch/lib folder of a CUDA PyTorch wheel), or use --device cpu.", nameof(name));
            int index = 0;
            if (n.Length > 4 && (!int.TryParse(n.AsSpan(5), out index) || index < 0 || index >= torch.cuda.device_count()))
                throw new ArgumentException($"Device '{name}': expected cuda:N with 0 <= N < {torch.cuda.device_count()}.", nameof(name));
            return new torch.Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"Unknown device '{name}'; expected cpu, cuda, cuda:N or auto.", nameof(name));
    }

    /// <summary>Parses a dtype name: float32 (fp32, f32) or bfloat16 (bf16).</summary>
    public static ScalarType ParseDtype(string name) => name.Trim().ToLowerInvariant() switch
    {
        "float32" or "fp32" or "f32" => ScalarType.Float32,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        _ => throw new ArgumentException($"Unknown dtype '{name}'; expected float32 or bfloat16.", nameof(name)),
    };

    private static bool CudaAvailable()
    {
        try { return torch.cuda.is_available(); }
        catch (Exception e) when (e is DllNotFoundException or NotSupportedException or EntryPointNotFoundException)
        {
            return false; // a CPU-only libtorch has no CUDA backend to load
        }
    }

    private static string? LoadedLibraryPath(string fileName)
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps)) return null;
        foreach (string line in File.ReadLines(maps))
        {
            int slash = line.IndexOf('/');
            if (slash >= 0 && line.EndsWith("/" + fileName, StringComparison.Ordinal))
                return line[slash..];
        }
        return null;
    }
}
