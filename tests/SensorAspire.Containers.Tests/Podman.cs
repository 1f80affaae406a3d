using SensorAspire.Testing;

namespace SensorAspire.Containers.Tests;

/// <summary>
/// The podman command line with the project's settings for this kind of machine (scripts/containers/containers.conf:
/// runc, cgroupfs, ulimits root may set), as scripts/test.sh and the stand-in image script use it.
/// </summary>
internal static class Podman
{
    /// <summary>The label on every container, network and volume the tests create, so that a run cleans up after an aborted one.</summary>
    public const string Label = "sensoraspire.test";

    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(5);

    public static IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>
    {
        ["CONTAINERS_CONF"] = Path.Combine(Repository.Root, "scripts", "containers", "containers.conf"),
    };

    /// <summary>Runs <c>podman</c>; a non-zero exit fails with what it printed. Returns its standard output.</summary>
    public static Task<string> RunAsync(params string[] arguments) => Command.RunAsync("podman", arguments, s_timeout, Environment);

    /// <summary>Runs <c>podman</c> with <paramref name="input"/> on its standard input.</summary>
    public static Task<string> RunWithInputAsync(string input, params string[] arguments) =>
        Command.RunAsync("podman", arguments, s_timeout, Environment, input);

    /// <summary>Runs <c>podman</c> and returns how it ended, whatever its exit code.</summary>
    public static Task<CommandResult> TryAsync(params string[] arguments) => Command.TryAsync("podman", arguments, s_timeout, Environment);

    /// <summary>A container's exit code, once it has stopped.</summary>
    public static async Task<int> ExitCodeAsync(string container) =>
        int.Parse(await RunAsync("inspect", "--format", "{{.State.ExitCode}}", container), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Removes every container, network and volume a test run labelled, this one's or an aborted one's.</summary>
    public static async Task RemoveLabelledAsync(string? run = null)
    {
        var filter = run is null ? $"label={Label}" : $"label={Label}={run}";
        foreach (var container in Lines(await RunAsync("ps", "--all", "--quiet", "--filter", filter)))
        {
            await RunAsync("rm", "--force", "--time", "0", container);
        }

        foreach (var network in Lines(await RunAsync("network", "ls", "--quiet", "--filter", filter)))
        {
            await RunAsync("network", "rm", "--force", network);
        }

        foreach (var volume in Lines(await RunAsync("volume", "ls", "--quiet", "--filter", filter)))
        {
            await RunAsync("volume", "rm", "--force", volume);
        }
    }

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
