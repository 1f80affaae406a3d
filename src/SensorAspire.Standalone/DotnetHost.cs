namespace SensorAspire.Standalone;

/// <summary>The <c>dotnet</c> executable of the runtime this process runs on, used to start the services.</summary>
internal static class DotnetHost
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        // System.Private.CoreLib lives in <dotnet root>/shared/Microsoft.NETCore.App/<version>/.
        var runtimeDirectory = System.IO.Path.GetDirectoryName(typeof(object).Assembly.Location);
        if (runtimeDirectory is not null)
        {
            var candidate = System.IO.Path.GetFullPath(System.IO.Path.Combine(
                runtimeDirectory, "..", "..", "..", OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet"));
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return "dotnet";
    }
}
