using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rewind.Cli.Output;

/// <summary>
/// Where a command's results go: human text or JSON on stdout, messages and progress on stderr.
/// With --json every result is one JSON object (camelCase names, sizes in bytes).
/// </summary>
public sealed class Printer(TextWriter stdout, TextWriter stderr, bool json, bool stderrIsTerminal, Func<Stream> openRawStdout)
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // Messages quote names ('web'); keep them readable rather than \u0027-escaped. Output is not HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public bool Json => json;
    public TextWriter Out => stdout;
    public TextWriter Err => stderr;

    public void Line(string text = "") => stdout.WriteLine(text);

    /// <summary>Writes <paramref name="value"/> as the command's JSON result.</summary>
    public void WriteJson(object value) => stdout.WriteLine(JsonSerializer.Serialize(value, value.GetType(), JsonOptions));

    /// <summary>Standard output as a byte stream, for commands whose output is binary (export to "-").</summary>
    public Stream OpenRawStdout()
    {
        stdout.Flush();
        return openRawStdout();
    }

    /// <summary>A progress bar on stderr when it is a terminal; otherwise one that draws nothing.</summary>
    public ProgressBar Progress(string label, long totalBytes) =>
        new(stderrIsTerminal ? stderr : null, label, totalBytes);
}
