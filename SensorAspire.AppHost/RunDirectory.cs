namespace SensorAspire.AppHost;

/// <summary>
/// A directory that lasts for one run of the AppHost: named when the application model is built, created (for this user
/// alone) when the application starts, and deleted when the AppHost's process exits. A model that is built and never
/// run (the model tests) leaves nothing behind.
/// </summary>
internal static class RunDirectory
{
    /// <summary>
    /// Returns the directory's path, unguessable, under the temporary directory; <paramref name="onStart"/> runs once it
    /// exists, when the application starts.
    /// </summary>
    public static string Reserve(IDistributedApplicationBuilder builder, string prefix, Action<string>? onStart = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        builder.Eventing.Subscribe<BeforeStartEvent>((_, _) =>
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            onStart?.Invoke(directory);

            // At process exit rather than at the application's stop: Aspire.Hosting.Testing disposes applications
            // unstopped, and the resources using the directory have stopped by then (or are stopped with the process).
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Delete(directory);
            return Task.CompletedTask;
        });
        return directory;
    }

    private static void Delete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left in the temporary directory; no later run uses it.
        }
    }
}
