namespace Rewind.Cli.CommandLine;

/// <summary>
/// The command line itself is wrong (unknown verb or option, missing argument, bad size): exit code 2,
/// and the command's usage line is printed with the message.
/// </summary>
public sealed class UsageException(string message) : Exception(message);
