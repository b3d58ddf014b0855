using System.Text.Json.Serialization;

namespace ReMiT.Training.Losses;

/// <summary>
/// Mid-training token weighting, picked by the JSON "type" discriminator
/// (<c>{"type": "remit", "Epsilon": 0.3}</c>). The subtype chooses the implementation, so the
/// training loop builds one <see cref="ITokenWeighting"/> and never branches on the method.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(UniformConfig), "uniform")]
[JsonDerivedType(typeof(ReMiTConfig), "remit")]
[JsonDerivedType(typeof(Rho1Config), "rho1")]
[JsonDerivedType(typeof(KdConfig), "kd")]
public abstract record TokenWeightingConfig
{
    /// <summary>Lists every problem with the settings (empty when valid).</summary>
    public abstract IReadOnlyList<string> Validate();

    /// <summary>Builds the weighting; throws <see cref="ArgumentException"/> listing every problem when invalid.</summary>
    public ITokenWeighting Build()
    {
        var errors = Validate();
        if (errors.Count > 0)
            throw new ArgumentException($"{GetType().Name} is invalid: {string.Join(" ", errors)}");
        return Create();
    }

    /// <summary>Creates the implementation from already-validated settings.</summary>
    private protected abstract ITokenWeighting Create();
}

/// <summary>Uniform next-token prediction (the baseline).</summary>
public sealed record UniformConfig : TokenWeightingConfig
{
    public override IReadOnlyList<string> Validate() => [];

    private protected override ITokenWeighting Create() => new UniformWeighting();
}

/// <summary>ReMiT RL-guided token weights (arXiv 2602.03075, eqs. 3–6).</summary>
/// <param name="Epsilon">Clip half-width ε: weights stay in [1−ε, 1+ε]. The paper's default is 0.2.</param>
/// <param name="Clip">False only for the no-clip ablation, which the paper shows collapses.</param>
public sealed record ReMiTConfig(double Epsilon = 0.2, bool Clip = true) : TokenWeightingConfig
{
    public override IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!(Epsilon >= 0 && Epsilon <= 1))
            errors.Add($"Epsilon must be in [0, 1], got {Epsilon}.");
        return errors;
    }

    private protected override ITokenWeighting Create() => new ReMiTWeighting(Epsilon, Clip);
}

/// <summary>Rho-1 selective language modelling (Lin et al. 2024).</summary>
/// <param name="KeepRatio">Fraction of the batch's counted tokens (highest excess loss first) trained on.</param>
public sealed record Rho1Config(double KeepRatio = 0.8) : TokenWeightingConfig
{
    public override IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!(KeepRatio > 0 && KeepRatio <= 1))
            errors.Add($"KeepRatio must be in (0, 1], got {KeepRatio}.");
        return errors;
    }

    private protected override ITokenWeighting Create() => new Rho1Weighting(KeepRatio);
}

/// <summary>Knowledge distillation: forward KL to the guide's full distribution, optionally mixed with NTP.</summary>
/// <param name="NtpMix">α in [0, 1]: loss = (1−α)·KL + α·NTP.</param>
/// <param name="Temperature">Softmax temperature τ of the KL term (KL is scaled by τ²).</param>
public sealed record KdConfig(double NtpMix = 0.0, double Temperature = 1.0) : TokenWeightingConfig
{
    public override IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!(NtpMix >= 0 && NtpMix <= 1))
            errors.Add($"NtpMix must be in [0, 1], got {NtpMix}.");
        if (!(Temperature > 0) || double.IsInfinity(Temperature))
            errors.Add($"Temperature must be a positive finite number, got {Temperature}.");
        return errors;
    }

    private protected override ITokenWeighting Create() => new KdWeighting(NtpMix, Temperature);
}
