using System.Globalization;

namespace ReMiT.Cluster.Hosting;

/// <summary>Parses a node's REMIT_* variables; a malformed value names its variable and what it should be.</summary>
internal static class EnvironmentValues
{
    public static int Int(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n)
            ? n : throw new ArgumentException($"{name}='{value}' is not an integer.");

    public static double Seconds(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double s)
            ? s : throw new ArgumentException($"{name}='{value}' is not a number of seconds.");

    /// <summary><c>1</c>/<c>true</c> or <c>0</c>/<c>false</c>.</summary>
    public static bool Bool(string name, string value) => value switch
    {
        "1" or "true" => true,
        "0" or "false" => false,
        _ => throw new ArgumentException($"{name}='{value}': expected true or false."),
    };
}
