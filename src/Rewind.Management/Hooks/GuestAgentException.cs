namespace Rewind.Management.Hooks;

/// <summary>The guest agent could not be reached, answered with an error, or broke the protocol.</summary>
public sealed class GuestAgentException : Exception
{
    /// <summary>The agent's error class (e.g. "GenericError") when it answered with an error; otherwise null.</summary>
    public string? ErrorClass { get; }

    public GuestAgentException(string message, string? errorClass = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorClass = errorClass;
    }
}
