using static TorchSharp.torch;

namespace ReMiT.Model;

/// <summary>
/// Keys and values of every layer for a batch, preallocated to a maximum length so decoding never
/// reallocates: each step writes its slice in place and attends over the filled prefix.
/// </summary>
public sealed class KvCache : IDisposable
{
    public KvCache(DecoderConfig config, long batch, long maxLength, ScalarType dtype, Device device)
    {
        if (batch <= 0 || maxLength <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxLength), $"cache needs batch > 0 and maxLength > 0, got {batch} and {maxLength}.");
        MaxLength = maxLength;
        Layers = Enumerable.Range(0, config.NumHiddenLayers)
            .Select(_ => new Layer(this, zeros(batch, config.NumKeyValueHeads, maxLength, config.HeadDim, dtype, device),
                                         zeros(batch, config.NumKeyValueHeads, maxLength, config.HeadDim, dtype, device)))
            .ToArray();
    }

    private KvCache(long maxLength, long length, Func<KvCache, Layer[]> layers)
    {
        MaxLength = maxLength;
        Length = length;
        Layers = layers(this);
    }

    /// <summary>Positions filled so far (the same for every sequence of the batch).</summary>
    public long Length { get; private set; }

    public long MaxLength { get; }

    public IReadOnlyList<Layer> Layers { get; }

    /// <summary>Called once per model step, after every layer appended its keys/values.</summary>
    internal void Advance(long steps) => Length += steps;

    /// <summary>
    /// A new cache whose batch row i is row <c>index[i]</c> of this one (e.g. each prompt repeated G
    /// times after a single prefill).
    /// </summary>
    public KvCache Select(Tensor index) =>
        new(MaxLength, Length, owner => Layers.Select(l =>
            new Layer(owner, l.Keys.index_select(0, index), l.Values.index_select(0, index))).ToArray());

    public void Dispose()
    {
        foreach (var l in Layers) { l.Keys.Dispose(); l.Values.Dispose(); }
    }

    /// <summary>One layer's buffers: (B, Hkv, MaxLength, D).</summary>
    public sealed class Layer(KvCache owner, Tensor keys, Tensor values)
    {
        public Tensor Keys { get; } = keys;
        public Tensor Values { get; } = values;

        /// <summary>Writes k, v (B, Hkv, T, D) at the current position; returns the filled prefix of both.</summary>
        public (Tensor Keys, Tensor Values) Append(Tensor k, Tensor v)
        {
            long start = owner.Length, t = k.shape[2];
            if (start + t > owner.MaxLength)
                throw new InvalidOperationException($"KV cache full: {start} + {t} positions exceed its capacity of {owner.MaxLength}.");
            using (no_grad())
            {
                Keys.narrow(2, start, t).copy_(k);
                Values.narrow(2, start, t).copy_(v);
            }
            return (Keys.narrow(2, 0, start + t), Values.narrow(2, 0, start + t));
        }
    }
}
