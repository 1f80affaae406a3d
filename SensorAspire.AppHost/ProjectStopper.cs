using System.Runtime.InteropServices;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SensorAspire.AppHost;

/// <summary>
/// Stops every project resource with SIGTERM when the AppHost stops, before DCP's own cleanup.
/// </summary>
/// <remarks>
/// Where Aspire runs a project as <c>dotnet run --project ...</c> (under an IDE or <c>dotnet watch</c>; otherwise
/// <see cref="BuiltProgramLaunch"/> runs the built program), DCP stops it by signalling that <c>dotnet run</c> process
/// alone. <c>dotnet run</c> does not pass SIGINT on to the program it started (in a terminal, Ctrl+C reaches the whole
/// process group, so it need not), so the service never hears it: it runs on until DCP kills the process tree, seconds
/// later and without a clean shutdown (no final commit, no flush). SIGTERM is passed on, so sending it first lets every
/// service stop as it would in a container. Hosted services stop in reverse order of registration, so this one, added
/// by AppHost.cs after Aspire's own, stops every project before DCP is told to clean up, in either launch mode.
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

        List<int> signalled = [];
        foreach (var project in model.Resources.OfType<ProjectResource>())
        {
            if (notifications.TryGetCurrentState(project.Name, out var state)
                && state.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is int pid
                && Kill(pid, SigTerm) == 0)
            {
                signalled.Add(pid);
            }
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_stopTimeout);
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        try
        {
            while (signalled.Any(IsRunning) && await tick.WaitForNextTickAsync(timeout.Token))
            {
            }
        }
        catch (OperationCanceledException)
        {
            LogStillRunning(logger, s_stopTimeout);
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
