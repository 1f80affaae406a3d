namespace SensorAspire.Testing;

/// <summary>The checkout the tests and benchmarks run from.</summary>
public static class Repository
{
    /// <summary>The folder holding SensorAspire.sln, found upwards from the running assembly (artifacts/bin/...).</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>
    /// <paramref name="project"/>'s program where its own build put it (artifacts/bin/&lt;project&gt;/&lt;configuration&gt;),
    /// in the configuration the caller was built in.
    /// </summary>
    /// <remarks>
    /// Not the copy beside the caller: the programs the AppHost starts are built for the SDK's runtime identifier
    /// (Directory.Build.targets, ReadyToRunOnBuild), so their dependency manifest names native libraries where their
    /// own build puts them, not where a referencing project copies them.
    /// </remarks>
    public static string BuiltProgram(string project)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Name; // artifacts/bin/<caller>/<configuration>/
        var program = Path.Combine(Root, "artifacts", "bin", project, configuration, project + ".dll");
        return File.Exists(program)
            ? program
            : throw new FileNotFoundException($"{project} is not built in {configuration} (the caller's project references it).", program);
    }

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
