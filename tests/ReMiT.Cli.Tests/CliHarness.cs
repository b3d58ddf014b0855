namespace ReMiT.Cli.Tests;

/// <summary>Runs <c>remit</c> in-process in a scratch folder and captures what it prints.</summary>
internal sealed class CliHarness : IDisposable
{
    public string Dir { get; } = Path.Combine(Path.GetTempPath(), $"remit-cli-{Guid.NewGuid():N}");

    public CliHarness() => Directory.CreateDirectory(Dir);

    public string PathOf(string name) => Path.Combine(Dir, name);

    public string Write(string name, params string[] lines)
    {
        string path = PathOf(name);
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        return path;
    }

    public (int Exit, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = Program.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    public void Dispose()
    {
        if (Directory.Exists(Dir)) Directory.Delete(Dir, recursive: true);
    }
}
