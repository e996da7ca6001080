namespace Rewind.Management.Tests.Hooks;

/// <summary>A fresh temporary directory, deleted on dispose. Short path: unix sockets live here (108-byte limit).</summary>
internal sealed class ScratchDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("rewind-hooks-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Read(string name) => System.IO.File.ReadAllText(File(name));

    public bool Exists(string name) => System.IO.File.Exists(File(name));

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}
