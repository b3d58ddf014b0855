using ReMiT.Tasks.Gsm;
using ReMiT.Training.Data;

namespace ReMiT.Training.Tests.Data;

public sealed class CorpusMixtureTests
{
    [Fact]
    public void Generate_SameSeed_SameDocuments()
    {
        var a = TestCorpus.Mixture.Generate(20, seed: 3);
        var b = TestCorpus.Mixture.Generate(20, seed: 3);
        var c = TestCorpus.Mixture.Generate(20, seed: 4);
        Assert.Equal(a, b);
        Assert.NotEqual(a.Select(d => d.Text), c.Select(d => d.Text));
    }

    [Fact]
    public void Generate_InterplayMixture_DrawsSourcesByWeight()
    {
        // op ≥ 11 problems are long to generate; a few hundred suffice to see the 20/80 split.
        var docs = CorpusMixture.InterplayMidTraining.Generate(400, seed: 1);
        int id = docs.Count(d => d.Source == "gsm 2-10");
        Assert.Equal(400, id + docs.Count(d => d.Source == "gsm 11-14"));
        Assert.InRange(id / 400.0, 0.15, 0.25); // binomial sd ≈ 0.02
        Assert.All(docs, d => Assert.True(d.Source == "gsm 2-10" ? d.Difficulty is >= 2 and <= 10 : d.Difficulty is >= 11 and <= 14));
    }

    [Fact]
    public void Generate_GsmAndKk_TextIsPromptPlusCompletion()
    {
        var docs = TestCorpus.Documents;
        Assert.Contains(docs, d => d.Source == "kk 2-3");
        Assert.All(docs, d => Assert.Equal(d.Text, d.Prompt + d.Completion));
        Assert.All(docs.Where(d => d.Source == "gsm 2-6"), d =>
        {
            Assert.EndsWith("<solution>", d.Prompt);
            Assert.EndsWith($"<answer> {d.Answer} </answer>", d.Text);
        });
        Assert.All(docs.Where(d => d.Source == "kk 2-3"), d =>
        {
            Assert.InRange(d.Difficulty, 2, 3);
            Assert.EndsWith("CONCLUSION:\n" + d.Answer, d.Text);
        });
    }

    [Fact]
    public void Generate_GsmSourceInParallel_EqualsTheGeneratorsSequentialStream()
    {
        var source = new GsmCorpusSource { Ops = "3-5", Templates = ["movie", "zoo"], Modes = ["reverse", "forward"] };
        var expected = new GsmGenerator().Generate(GsmOpRange.Parse("3-5"), 300, 11,
            [GsmTemplate.MovieFestival, GsmTemplate.Zoo], [GsmMode.Reverse, GsmMode.Forward]).Select(p => p.Text);
        Assert.Equal(expected, source.Generate(300, 11).Select(d => d.Text));
    }

    [Fact]
    public void Generate_LargerCount_KeepsEachSourcesEarlierDocuments()
    {
        var few = TestCorpus.Mixture.Generate(10, seed: 5);
        var many = TestCorpus.Mixture.Generate(30, seed: 5);
        Assert.Equal(few, many.Take(10));
    }

    [Fact]
    public void FromJson_PolymorphicSources_RoundTrips()
    {
        const string json = """
            {"sources": [
              {"type": "gsm", "ops": "11-14", "templates": ["zoo"], "modes": ["reverse"], "weight": 0.8, "name": "edge"},
              {"type": "kk", "people": "4", "weight": 0.2}
            ]}
            """;
        var mixture = CorpusMixture.FromJson(json);
        var gsm = Assert.IsType<GsmCorpusSource>(mixture.Sources[0]);
        Assert.Equal(("11-14", "zoo", "reverse", 0.8, "edge"), (gsm.Ops, gsm.Templates.Single(), gsm.Modes.Single(), gsm.Weight, gsm.Label));
        var kk = Assert.IsType<KkCorpusSource>(mixture.Sources[1]);
        Assert.Equal(("4", "kk 4"), (kk.People, kk.Label));
        Assert.Contains("\"type\": \"kk\"", mixture.ToJson());
        Assert.Equal(mixture.ToJson(), CorpusMixture.FromJson(mixture.ToJson()).ToJson());
    }

    [Theory]
    [InlineData("""{"sources": [{"type": "gsm", "opz": "2-10"}]}""", "opz")]
    [InlineData("""{"sources": [{"type": "zebra"}]}""", "zebra")]
    [InlineData("""{"sources": [{"type": "gsm", "weight": "heavy"}]}""", "weight")]
    public void FromJson_UnknownKeyTypeOrWrongValue_ThrowsNamingIt(string json, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => CorpusMixture.FromJson(json));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Validate_BadValues_ListsEveryProblemWithItsPath()
    {
        var mixture = new CorpusMixture(
        [
            new GsmCorpusSource { Ops = "1-3", Templates = ["zoo", "farm"], Modes = [], Weight = -1 },
            new KkCorpusSource { People = "1-20" },
        ]);
        var problems = mixture.Validate();
        Assert.Equal(5, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("sources[0].weight:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("sources[0].ops:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("sources[0].templates[1]:", StringComparison.Ordinal) && p.Contains("farm"));
        Assert.Contains(problems, p => p.StartsWith("sources[0].modes:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("sources[1].people:", StringComparison.Ordinal) && p.Contains("1-20"));
        Assert.Throws<ArgumentException>(() => mixture.Generate(1, 0));
        Assert.Equal(["sources: expected at least one source"], new CorpusMixture([]).Validate());
    }
}
