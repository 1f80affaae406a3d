namespace SensorAspire.Testing;

/// <summary>The checkout the tests and benchmarks run from.</summary>
public static class Repository
{
    /// <summary>The folder holding SensorAspire.sln, found upwards from the running assembly (artifacts/bin/...).</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "SensorAspire.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"SensorAspire.sln not found above {AppContext.BaseDirectory}: run from inside the repository.");
    }
}
