namespace ReMiT.Bench.MpiNet;

/// <summary>One timed call: which collective, how it is called (<paramref name="Mode"/>: in-place,
/// out-of-place, allocating) and the call itself, over the buffers it was built for.</summary>
internal sealed record BenchCase(CollectiveKind Kind, string Mode, Action Call)
{
    public string Op => Kind switch
    {
        CollectiveKind.AllReduceInPlace or CollectiveKind.AllReduce => "allreduce",
        CollectiveKind.ReduceScatter => "reduce_scatter",
        CollectiveKind.AllGather => "allgather",
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "not a collective this benchmark knows"),
    };
}
