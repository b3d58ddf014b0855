using ReMiT.Cluster.Weights;

namespace ReMiT.Cluster.Tests.Weights;

public sealed class WeightsVersionTests
{
    [Fact]
    public void DirectoryName_IsZeroPaddedToSixDigits() =>
        Assert.Equal("v000012", new WeightsVersion(12).DirectoryName);

    [Theory]
    [InlineData("v12")]
    [InlineData("x000012")]
    [InlineData("v00001a")]
    [InlineData("v-00001")]
    public void Parse_BadName_ThrowsNamingIt(string name)
    {
        var e = Assert.Throws<FormatException>(() => WeightsVersion.Parse(name));
        Assert.Contains(name, e.Message);
    }

    [Fact]
    public void ListPublished_IgnoresOtherFoldersAndSortsByVersion()
    {
        string run = Path.Combine(Path.GetTempPath(), $"remit-run-{Guid.NewGuid():N}");
        try
        {
            foreach (string d in new[] { "v000010", "v000002", "tmp", "v2" })
                Directory.CreateDirectory(Path.Combine(run, "weights", d));
            Assert.Equal([new WeightsVersion(2), new WeightsVersion(10)], WeightsVersion.ListPublished(run));
            Assert.Equal(Path.Combine(run, "weights", "v000002"), new WeightsVersion(2).PathIn(run));
        }
        finally { Directory.Delete(run, recursive: true); }
    }
}
