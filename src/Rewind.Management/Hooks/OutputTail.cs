using System.Text;

namespace Rewind.Management.Hooks;

/// <summary>
/// Reads a child's output stream to its end in the background and keeps only its last characters: enough
/// to say in an error why a hook failed, without holding a verbose command's whole log.
/// </summary>
internal sealed class OutputTail
{
    private const int KeptChars = 2000;

    private readonly StringBuilder _tail = new();

    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>The last characters read so far (at most 2000; cut to the start of a line when possible).</summary>
    public string Text
    {
        get
        {
            string text;
            lock (_tail) text = _tail.ToString();
            if (text.Length <= KeptChars) return text;
            text = text[^KeptChars..];
            int lineStart = text.IndexOf('\n');
            return lineStart >= 0 && lineStart < text.Length - 1 ? "..." + text[(lineStart + 1)..] : "..." + text;
        }
    }

    public static OutputTail Capture(StreamReader reader)
    {
        var tail = new OutputTail();
        tail.Completion = tail.ReadAsync(reader);
        return tail;
    }

    /// <summary>Waits until every stream reached its end, or the grace ran out (a leftover child holds a pipe).</summary>
    public static async Task WaitAsync(TimeSpan grace, params OutputTail[] tails)
    {
        try
        {
            await Task.WhenAll(tails.Select(t => t.Completion)).WaitAsync(grace);
        }
        catch (TimeoutException)
        {
        }
    }

    private async Task ReadAsync(StreamReader reader)
    {
        char[] buffer = new char[4096];
        try
        {
            int read;
            while ((read = await reader.ReadAsync(buffer)) > 0)
            {
                lock (_tail)
                {
                    _tail.Append(buffer, 0, read);
                    // Trimmed in batches, not on every read, so a chatty command costs no quadratic copying.
                    if (_tail.Length > 4 * KeptChars) _tail.Remove(0, _tail.Length - 2 * KeptChars);
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The process was disposed while a leftover child still held the pipe: what was read is kept.
        }
    }
}
