namespace Rewind.Engine;

/// <summary>
/// Volume and snapshot names. They become parts of export names and CLI arguments, never paths:
/// '@' separates a snapshot, '/' is reserved for pool prefixes, and nothing may start with '.' or '-'.
/// </summary>
public static class Names
{
    public const int MaxLength = 128;

    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength) return false;
        if (!char.IsAsciiLetterOrDigit(name[0])) return false;
        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_' || c == '.' || c == ':')) return false;
        }
        return true;
    }

    public static void Validate(string? name, string what)
    {
        if (!IsValid(name))
        {
            throw new RewindException(ErrorKind.InvalidArgument,
                $"invalid {what} name '{name}': use 1-{MaxLength} characters from A-Z a-z 0-9 . _ - : starting with a letter or digit");
        }
    }
}
