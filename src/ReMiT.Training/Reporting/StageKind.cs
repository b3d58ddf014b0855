namespace ReMiT.Training.Reporting;

/// <summary>What a stage did; written snake_case (<c>"pretrain"</c>, <c>"rl"</c>) in stage summaries.</summary>
public enum StageKind
{
    Pretrain,
    Midtrain,
    Sft,
    Rl,
    Eval,
}
