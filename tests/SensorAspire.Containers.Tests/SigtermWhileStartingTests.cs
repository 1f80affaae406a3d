using System.Globalization;
using System.Security.Cryptography;
using SensorAspire.Testing;

namespace SensorAspire.Containers.Tests;

/// <summary>
/// In a container each program is PID 1, and the kernel drops a signal PID 1 has no handler for: a service must handle
/// SIGTERM from the first line of its <c>Main</c>, not only once its host runs (<c>SigtermFromStart</c>).
/// </summary>
public sealed class SigtermWhileStartingTests(ContainerImages images)
{
    // Loaded when Main calls AddServiceDefaults, after its first line and before the host starts (well over 100 ms
    // before, on our machines): once the container's process has it mapped, SIGTERM arrives while the service starts.
    private const string LoadedAfterTheFirstLine = "/app/OpenTelemetry.dll";

    [Fact]
    public async Task AServiceStoppedWhileItStartsExitsWith0()
    {
        var run = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var resolver = new ManifestResolver(images.Manifest);
        var services = images.Manifest.Resources.Values.Where(r => r.Type == "project.v0" && r.Bindings.ContainsKey("http")).ToList();
        Assert.Equal(["simulator", "aggregator", "chart"], services.Select(s => s.Name));
        try
        {
            foreach (var service in services)
            {
                var container = $"sensoraspire-{run}-{service.Name}";
                List<string> command = ["run", "--detach", "--name", container, "--label", $"{Podman.Label}={run}", "--network", "none"];
                foreach (var (name, value) in service.Env)
                {
                    command.AddRange(["--env", $"{name}={resolver.Resolve(value)}"]);
                }

                await Podman.RunAsync([.. command, images.ByResource[service.Name]]);
                var pid = int.Parse(await Podman.RunAsync("inspect", "--format", "{{.State.Pid}}", container), CultureInfo.InvariantCulture);
                await Wait.UntilAsync(() => Mapped(pid, LoadedAfterTheFirstLine), $"{service.Name}'s Main to pass its first line");

                // Ignored, the signal would end in podman's SIGKILL after 20 s: exit code 137.
                await Podman.RunAsync("stop", "--time", "20", container);

                Assert.True(await Podman.ExitCodeAsync(container) == 0,
                    $"{service.Name} exited with {await Podman.ExitCodeAsync(container)}:{Environment.NewLine}{(await Podman.TryAsync("logs", container)).Error}");
            }
        }
        finally
        {
            await Podman.RemoveLabelledAsync(run);
        }
    }

    private static bool Mapped(int pid, string file)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/maps").Contains(file, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false; // the process has ended; the stop below reports how
        }
    }
}
