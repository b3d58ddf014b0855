using System.Text.Json.Nodes;
using ReMiT.Tasks.KnightsKnaves;

namespace ReMiT.Tasks.Tests.KnightsKnaves;

public sealed class KkStatementTests
{
    [Fact]
    public void Evaluate_EachOperator_FollowsTruthTable()
    {
        bool[] kn = [true, false];
        Assert.True(KkStatement.Knight(0).Evaluate(kn));
        Assert.True(KkStatement.Knave(1).Evaluate(kn));
        Assert.False(new KkNot(KkStatement.Knight(0)).Evaluate(kn));
        Assert.False(new KkAnd(KkStatement.Knight(0), KkStatement.Knight(1)).Evaluate(kn));
        Assert.True(new KkOr(KkStatement.Knight(1), KkStatement.Knave(1), KkStatement.Knave(0)).Evaluate(kn));
        Assert.False(new KkImplies(KkStatement.Knight(0), KkStatement.Knight(1)).Evaluate(kn));
        Assert.True(new KkImplies(KkStatement.Knight(1), KkStatement.Knave(0)).Evaluate(kn));
        Assert.True(new KkIff(KkStatement.Knave(0), KkStatement.Knight(1)).Evaluate(kn));
    }

    [Fact]
    public void Depth_NestedTree_CountsLeafAsOne()
    {
        Assert.Equal(1, KkStatement.Knight(0).Depth);
        Assert.Equal(2, new KkNot(KkStatement.Knight(0)).Depth);
        Assert.Equal(3, new KkAnd(new KkNot(KkStatement.Knight(0)), KkStatement.Knave(1)).Depth);
    }

    [Fact]
    public void Equals_JunctionsWithEqualOperands_AreEqualAndAndDiffersFromOr()
    {
        var a = new KkAnd(KkStatement.Knight(0), KkStatement.Knave(1));
        var b = new KkAnd(KkStatement.Knight(0), KkStatement.Knave(1));
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual<KkStatement>(a, new KkOr(KkStatement.Knight(0), KkStatement.Knave(1)));
    }

    [Fact]
    public void Mentions_RepeatedPeople_KeptInOrder() =>
        Assert.Equal([2, 0, 2], new KkIff(KkStatement.Knight(2), new KkAnd(KkStatement.Knave(0), KkStatement.Knight(2))).Mentions());

    [Theory]
    [InlineData("""["and", ["lying", 0], ["telling-truth", 1], ["lying", 2]]""")]
    [InlineData("""["<=>", ["telling-truth", 1], ["lying", 0]]""")]
    [InlineData("""["not", ["lying", 2]]""")]
    [InlineData("""["->", ["telling-truth", 0], ["or", ["lying", 1], ["lying", 2]]]""")]
    public void ToJson_ParsedStatement_RoundTrips(string json)
    {
        var parsed = KkStatementJson.Parse(JsonNode.Parse(json), nPeople: 3);
        Assert.Equal(JsonNode.Parse(json)!.ToJsonString(), KkStatementJson.ToJson(parsed).ToJsonString());
        Assert.Equal(parsed, KkStatementJson.Parse(KkStatementJson.ToJson(parsed), 3));
    }

    [Theory]
    [InlineData("""["xor", ["lying", 0], ["lying", 1]]""", "statement: unknown operator 'xor'")]
    [InlineData("""["lying", 3]""", "statement[1]: person index 3 is out of range for 3 people")]
    [InlineData("""["lying", -1]""", "statement[1]: person index -1 is out of range")]
    [InlineData("""["lying", "1"]""", "statement[1]: expected a person index")]
    [InlineData("""["not", ["lying", 0], ["lying", 1]]""", "statement: 'not' takes 1 operand(s), found 2")]
    [InlineData("""["and", ["lying", 0]]""", "statement: 'and' takes at least 2 operand(s), found 1")]
    [InlineData("""["->", ["lying", 0]]""", "statement: '->' takes 2 operand(s), found 1")]
    [InlineData("""["and", ["lying", 0], ["nope", 1]]""", "statement[2]: unknown operator 'nope'")]
    [InlineData("""[]""", "statement: expected a non-empty array")]
    [InlineData("""{"op": "lying"}""", "statement: expected a non-empty array")]
    [InlineData("""[1, 2]""", "statement[0]: expected an operator string")]
    public void Parse_BadStatement_ThrowsNamingTheProblem(string json, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => KkStatementJson.Parse(JsonNode.Parse(json), 3));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ParseAll_NotAnArray_ThrowsNamingField()
    {
        var e = Assert.Throws<ArgumentException>(() => KkStatementJson.ParseAll(JsonValue.Create("x")));
        Assert.StartsWith("statements: expected an array", e.Message);
    }

    [Fact]
    public void ParseAll_IndexBeyondPeople_NamesStatementPath()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            KkStatementJson.ParseAll(JsonNode.Parse("""[["lying", 1], ["not", ["lying", 2]]]""")));
        Assert.Contains("statements[1][1][1]: person index 2 is out of range for 2 people", e.Message);
    }

    [Fact]
    public void Statement_DeeperThanTwo_RendersWithParentheses()
    {
        string[] names = ["A", "B"];
        var s = new KkAnd(new KkOr(KkStatement.Knight(0), KkStatement.Knave(1)), new KkNot(new KkNot(KkStatement.Knight(1))));
        Assert.Equal("(A is a knight or B is a knave) and (it is not the case that (B is not a knight))", KkText.Statement(names, s));
    }
}
