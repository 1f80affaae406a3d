namespace SensorAspire.Standalone;

/// <summary>
/// Finds a service's build output next to ours: with artifacts output every project builds to
/// <c>artifacts/bin/&lt;Project&gt;/&lt;configuration&gt;/</c>, and this project references the services so they are built first.
/// </summary>
internal static class ServiceBinaries
{
    public static string Locate(string projectName)
    {
        var ownDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        var binRoot = ownDirectory.Parent?.Parent
            ?? throw new InvalidOperationException($"Cannot find the build output folder above {ownDirectory.FullName}.");
        var path = Path.Combine(binRoot.FullName, projectName, ownDirectory.Name, projectName + ".dll");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException(
                $"{projectName} is not built at {path}. Build it with: dotnet build src/SensorAspire.Standalone -c {ownDirectory.Name}", path);
    }
}
