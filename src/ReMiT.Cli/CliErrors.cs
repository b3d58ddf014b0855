using System.CommandLine;
using System.Text.Json;

namespace ReMiT.Cli;

/// <summary>
/// Runs a command's body so that mistakes a user can make (a missing file, a bad option value,
/// malformed JSON) end with one clear line and exit code 2 instead of a stack trace. Bugs still throw.
/// </summary>
internal static class CliErrors
{
    public const int UsageError = 2;

    public static void SetGuardedAction(this Command command, Func<ParseResult, TextWriter, TextWriter, int> body)
    {
        command.SetAction(parseResult =>
        {
            TextWriter output = parseResult.InvocationConfiguration.Output;
            TextWriter error = parseResult.InvocationConfiguration.Error;
            try
            {
                return body(parseResult, output, error);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or ArgumentException
                                          or FormatException or JsonException or InvalidDataException or UnauthorizedAccessException
                                          or DllNotFoundException)
            {
                error.WriteLine($"{CommandPath(parseResult)}: {Describe(e)}");
                return UsageError;
            }
        });
    }

    /// <summary>The message for a user: ArgumentException's " (Parameter 'x')" suffix names our code, not their input.</summary>
    public static string Describe(Exception e) =>
        e is ArgumentException { ParamName: { } name } a ? a.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;

    /// <summary>"remit data gen" for the command being run.</summary>
    private static string CommandPath(ParseResult parseResult)
    {
        var names = new List<string>();
        for (var r = parseResult.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
            names.Insert(0, r.Command is RootCommand ? "remit" : r.Command.Name);
        return string.Join(' ', names);
    }
}
