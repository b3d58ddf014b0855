using System.Globalization;
using MPI;

namespace ReMiT.Bench.MpiNet;

/// <summary>
/// MPI.NET 1.4.0 on MPICH: all-reduce, reduce-scatter and all-gather of float32 buffers, checked and
/// timed like bench/mpi/collectives.c, through MPI.NET's high-level API (<c>high</c>) or its P/Invoke
/// layer MPI.Unsafe (<c>raw</c>). bench/mpi/mpinet.sh runs both beside the C program.
///   mpirun.mpich -np 2 dotnet mpinet-bench.dll high|raw [MiB list=1,4,16,64] [MiB moved per case=256]
/// Iterations per case = max(8, moved / size), as in the C program.
/// </summary>
internal static class Program
{
    private const string Usage = "usage: mpinet-bench high|raw [MiB list=1,4,16,64] [MiB moved per case=256]";

    private static int Main(string[] args)
    {
        if (args.Length is < 1 or > 3 || args[0] is not ("high" or "raw"))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        bool high = args[0] == "high";
        long[] sizesMiB = (args.Length > 1 ? args[1] : "1,4,16,64").Split(',').Select(s => ParseMiB(s, "size")).ToArray();
        long movedMiB = args.Length > 2 ? ParseMiB(args[2], "MiB moved per case") : 256;

        MpichLibrary.Use();
        string[] mpiArgs = [];
        using var environment = new MPI.Environment(ref mpiArgs, Threading.Serialized);
        Intracommunicator world = Communicator.world;
        foreach (long mib in sizesMiB)
        {
            var buffers = new CollectiveBuffers(mib << 20, world.Size);
            var runner = new CaseRunner(world, buffers, Console.Out);
            int iterations = (int)Math.Max(8, movedMiB / mib);
            if (high && mib == sizesMiB[0]) ReportAliasedAllreduce(world, buffers);
            foreach (BenchCase c in high ? HighLevelCases.Create(world, buffers) : RawCases.Create(buffers))
                runner.Run(c, iterations);
        }
        return 0;
    }

    private static long ParseMiB(string text, string what) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long mib) && mib is >= 1 and <= 1024
            ? mib
            : throw new ArgumentException($"{what} '{text}' must be a whole number of MiB in 1..1024. {Usage}");

    // The high-level API has no MPI_IN_PLACE; the nearest thing, the same array as input and output,
    // breaks MPI's no-aliasing rule. Says once what MPICH makes of it (a JSON line, not a timing).
    private static void ReportAliasedAllreduce(Intracommunicator world, CollectiveBuffers b)
    {
        float[] same = b.Full;
        string outcome;
        try
        {
            world.Allreduce(same, Operation<float>.Add, ref same);
            outcome = "accepted";
        }
        catch (Exception e) // MPI.NET throws ArgumentException for MPI_ERR_BUFFER, a plain Exception for some classes
        {
            outcome = $"refused ({e.GetType().Name}): " + string.Join(" | ", e.Message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).Replace("\"", "'", StringComparison.Ordinal);
        }
        if (world.Rank == 0) Console.WriteLine($"{{\"note\":\"high-level Allreduce with the same array as input and output\",\"outcome\":\"{outcome}\"}}");
    }
}
