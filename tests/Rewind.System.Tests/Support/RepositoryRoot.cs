namespace Rewind.System.Tests.Support;

/// <summary>The checkout the tests run from: the nearest directory above the test binaries holding Rewind.slnx.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(global::System.IO.Path.Combine(dir.FullName, "Rewind.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no Rewind.slnx above {AppContext.BaseDirectory}");
    }
}
