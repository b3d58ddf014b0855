using System.Text;

namespace ReMiT.Tokenization.Tests;

/// <summary>Deterministic arithmetic word problems in our task markup, the shape of the real training data.</summary>
internal static class SyntheticCorpus
{
    private static readonly string[] Names = ["Maple Creek", "Oak Ridge", "Pine Hollow", "Cedar Falls", "Willow Bend"];
    private static readonly string[] Animals = ["adult fox", "newborn deer", "adult owl", "young wolf", "adult bear"];

    private static readonly string[] Syllables = ["ka", "lo", "mi", "ter", "van", "sho", "qu", "rel", "bin", "dax", "po", "ne", "stri", "gal", "um", "or", "fe", "zy"];

    /// <summary>A pseudo-word with a Zipf-like length, so the corpus has thousands of distinct pre-tokens.</summary>
    private static string Word(Random rng)
    {
        var sb = new StringBuilder();
        for (int n = 1 + rng.Next(4); n > 0; n--) sb.Append(Syllables[(int)(Syllables.Length * Math.Pow(rng.NextDouble(), 2))]);
        return sb.ToString();
    }

    public static IEnumerable<string> Lines(int count, int seed)
    {
        var rng = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            string place = Names[rng.Next(Names.Length)], animal = Animals[rng.Next(Animals.Length)];
            int a = rng.Next(1, 1000), b = rng.Next(1, 1000);
            var sb = new StringBuilder();
            sb.Append($"<question> The number of {animal} in {place} equals {a}. The number of {Animals[rng.Next(Animals.Length)]} in {place} is {b} more than that. ");
            sb.Append($"How many are there in total? </question> <solution> Define {animal} in {place} as x; so x = {a}. ");
            sb.Append($"Then y = x + {b} = {a + b}. Total = {a} + {a + b} = {2 * a + b}. ");
            for (int k = rng.Next(3, 9); k > 0; k--) sb.Append(' ').Append(Word(rng));
            sb.Append($". </solution> <answer> {2 * a + b} </answer>");
            yield return sb.ToString();
        }
    }
}
