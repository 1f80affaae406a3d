using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// SIGTERM handled from a service's first line to its end. In a container the program is PID 1, and the kernel drops
/// every signal PID 1 has no handler for; .NET installs none until the host starts (its console lifetime). So a stop in
/// a service's first second was ignored until the container runtime's SIGKILL (exit 137), and one while the host was
/// starting cancelled the start and crashed the service (exit 139). Now the service exits 0 either way: the time before
/// <c>Main</c> runs is all that is left (docs/running.md, "Containers").
/// </summary>
public sealed class SigtermFromStart : IDisposable
{
    private readonly CancellationTokenSource _received = new();
    private readonly PosixSignalRegistration _registration;

    private SigtermFromStart() =>
        _registration = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            // Handled here and by the host once it runs: the default would end the process at once, or as PID 1 never.
            context.Cancel = true;
            _received.Cancel();
        });

    /// <summary>Handles SIGTERM from now on: the first line of <c>Main</c>.</summary>
    public static SigtermFromStart Handle() => new();

    /// <summary>
    /// Runs <paramref name="app"/> as <c>Run</c> does, until SIGTERM, whenever it comes: before the start (the app does
    /// not start), during it (what started is stopped as after a start: consumers commit, exporters flush), or after.
    /// </summary>
    public async Task RunAsync(WebApplication app)
    {
        await using (app)
        {
            if (_received.IsCancellationRequested)
            {
                return;
            }

            await using var stop = _received.Token.Register(app.Lifetime.StopApplication);
            try
            {
                await app.StartAsync();
            }
            catch (OperationCanceledException) when (app.Lifetime.ApplicationStopping.IsCancellationRequested)
            {
                // The host cancels its own start when asked to stop while starting, and would throw out of Run.
                await app.StopAsync();
                return;
            }

            await app.WaitForShutdownAsync();
        }
    }

    public void Dispose()
    {
        _registration.Dispose();
        _received.Dispose();
    }
}
