namespace ReMiT.Model.Checkpoints;

/// <summary>
/// The tensors a config's <see cref="DecoderModel"/> registers (Hugging Face names and shapes), worked
/// out from the config alone, so a checkpoint's header can be checked before any model is allocated.
/// A test keeps this in step with the model's own named_parameters().
/// </summary>
internal static class HfTensorLayout
{
    public static IEnumerable<(string Name, long[] Shape)> Expected(DecoderConfig c)
    {
        long d = c.HiddenSize, q = (long)c.NumAttentionHeads * c.HeadDim, kv = (long)c.NumKeyValueHeads * c.HeadDim;
        yield return ("model.embed_tokens.weight", [c.VocabSize, d]);
        for (int i = 0; i < c.NumHiddenLayers; i++)
        {
            string p = $"model.layers.{i}.";
            yield return (p + "input_layernorm.weight", [d]);
            yield return (p + "self_attn.q_proj.weight", [q, d]);
            if (c.AttentionBias) yield return (p + "self_attn.q_proj.bias", [q]);
            yield return (p + "self_attn.k_proj.weight", [kv, d]);
            if (c.AttentionBias) yield return (p + "self_attn.k_proj.bias", [kv]);
            yield return (p + "self_attn.v_proj.weight", [kv, d]);
            if (c.AttentionBias) yield return (p + "self_attn.v_proj.bias", [kv]);
            yield return (p + "self_attn.o_proj.weight", [d, q]);
            if (c.QueryKeyNorm)
            {
                yield return (p + "self_attn.q_norm.weight", [c.HeadDim]);
                yield return (p + "self_attn.k_norm.weight", [c.HeadDim]);
            }
            yield return (p + "post_attention_layernorm.weight", [d]);
            yield return (p + "mlp.gate_proj.weight", [c.IntermediateSize, d]);
            yield return (p + "mlp.up_proj.weight", [c.IntermediateSize, d]);
            yield return (p + "mlp.down_proj.weight", [d, c.IntermediateSize]);
        }
        yield return ("model.norm.weight", [d]);
        if (!c.TieWordEmbeddings) yield return ("lm_head.weight", [c.VocabSize, d]);
    }
}
