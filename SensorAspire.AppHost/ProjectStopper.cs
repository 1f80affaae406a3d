using System.Runtime.InteropServices;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SensorAspire.AppHost;

/// <summary>
/// Stops every project resource with SIGTERM when the AppHost stops, before DCP's own cleanup, while the dashboard still runs.
/// </summary>
/// <remarks>
/// DCP stops a process it started with SIGTERM and, when it is still running 6 s later, SIGKILL: for the dashboard's
/// Stop button and for every resource when the AppHost stops (strace of DCP 13.6.5: <c>pidfd_send_signal</c>). At the
/// AppHost's stop it signals every resource at once, the dashboard included, so a service's last OpenTelemetry export
/// meets a dashboard that is going away; the OTLP exporter then retries with backoff, and DCP's SIGKILL ends the service
/// before it has exited on its own (docs/running.md, "Stopping"). This hosted service, added by AppHost.cs after
/// Aspire's own and so stopped before them, sends the projects SIGTERM first and waits until they have exited: each
/// finishes its last commit, flush and export while the dashboard still receives it. The services go first and the
/// broker after them, so their last commits still reach it.
/// Where Aspire runs a project through <c>dotnet run</c> (under an IDE or <c>dotnet watch</c>; otherwise
/// <see cref="BuiltProgramLaunch"/> runs the built program), the pid is <c>dotnet run</c>'s, and the signal reaches the
/// program too: <c>dotnet run</c> on .NET 10 passes SIGTERM on from its ProcessExit handler (dotnet/sdk
/// <c>ProcessReaper</c>), though not SIGINT, which a terminal sends to the whole process group anyway.
/// </remarks>
internal sealed partial class ProjectStopper(
    DistributedApplicationModel model, ResourceNotificationService notifications, ILogger<ProjectStopper> logger) : IHostedService
{
    private const int SigTerm = 15;
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(10);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // Dependents first: a project another one waits for (kafka) is stopped once those have exited, so that their
        // last commits and produces still reach it, as a Kafka cluster outlives its clients when an application stops.
        var projects = model.Resources.OfType<ProjectResource>().ToList();
        var waitedFor = projects.SelectMany(p => p.Annotations.OfType<WaitAnnotation>()).Select(w => w.Resource).ToHashSet();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_stopTimeout);
        try
        {
            await StopAsync(projects.Where(p => !waitedFor.Contains(p)), timeout.Token);
            await StopAsync(projects.Where(waitedFor.Contains), timeout.Token);
        }
        catch (OperationCanceledException)
        {
            LogStillRunning(logger, s_stopTimeout);
        }
    }

    /// <summary>Sends SIGTERM to each of <paramref name="projects"/> that runs, and waits until they have exited.</summary>
    private async Task StopAsync(IEnumerable<ProjectResource> projects, CancellationToken cancellationToken)
    {
        List<int> signalled = [];
        foreach (var project in projects)
        {
            if (notifications.TryGetCurrentState(project.Name, out var state)
                && state.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is int pid
                && Kill(pid, SigTerm) == 0)
            {
                signalled.Add(pid);
            }
        }

        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        while (signalled.Any(IsRunning) && await tick.WaitForNextTickAsync(cancellationToken))
        {
        }
    }

    /// <summary>Running and not yet a zombie (an exited child that DCP has not reaped yet counts as stopped).</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Some services had not stopped {Timeout} after SIGTERM; DCP stops them")]
    private static partial void LogStillRunning(ILogger logger, TimeSpan timeout);
}

internal static class ProjectStopperExtensions
{
    /// <summary>Stops the project resources with SIGTERM before DCP cleans up (see <see cref="ProjectStopper"/>).</summary>
    public static IDistributedApplicationBuilder StopProjectsGracefully(this IDistributedApplicationBuilder builder)
    {
        builder.Services.AddHostedService<ProjectStopper>();
        return builder;
    }
}
