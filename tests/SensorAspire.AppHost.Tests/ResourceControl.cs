using System.Diagnostics;
using SensorAspire.Testing;

namespace SensorAspire.AppHost.Tests;

/// <summary>
/// What the dashboard's Start, Stop and Restart buttons do to a resource (Aspire's resource commands, run through
/// <see cref="ResourceCommandService"/> as the dashboard runs them), and what a crash does (SIGKILL to its process).
/// </summary>
internal sealed class ResourceControl(DistributedApplication app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The process DCP runs for <paramref name="resource"/> now.</summary>
    public int ProcessId(string resource)
        => app.ResourceNotifications.TryGetCurrentState(resource, out var state)
            && state.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is int pid
                ? pid
                : throw new InvalidOperationException($"{resource} has no process");

    /// <summary>A crash: SIGKILL, no shutdown of any kind; returns once DCP reports the resource ended.</summary>
    public async Task KillAsync(string resource)
    {
        using var process = Process.GetProcessById(ProcessId(resource));
        process.Kill(); // SIGKILL on Unix
        await process.WaitForExitAsync(Ct);
        await WaitForEndAsync(resource);
    }

    /// <summary>The Stop button: DCP stops the process; returns once it reports the resource ended.</summary>
    public async Task StopAsync(string resource)
    {
        await ExecuteAsync(resource, KnownResourceCommands.StopCommand);
        await WaitForEndAsync(resource);
    }

    /// <summary>The Start button; returns when Aspire has asked DCP to start the process.</summary>
    public Task StartAsync(string resource) => ExecuteAsync(resource, KnownResourceCommands.StartCommand);

    /// <summary>
    /// The Restart button (Stop, then Start). Returns the moment the start began, as a <see cref="Stopwatch"/> timestamp
    /// and as the time of day: the first state after the resource ended, as the dashboard sees it.
    /// </summary>
    public async Task<(long Timestamp, DateTimeOffset Time)> RestartAsync(string resource)
    {
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var started = StartOfNextRunAsync(resource, watching.Token);
        await ExecuteAsync(resource, KnownResourceCommands.RestartCommand);
        return await started.WaitAsync(RunningAppHost.Timeout, Ct);
    }

    /// <summary>On dispose, starts <paramref name="resource"/> if it has ended (a test that failed half-way), and waits until it is healthy.</summary>
    public IAsyncDisposable StartedAgainWhenDisposed(string resource) => new Restarter(this, resource);

    public Task WaitForHealthyAsync(string resource)
        => app.ResourceNotifications.WaitForResourceHealthyAsync(resource, Ct).WaitAsync(RunningAppHost.Timeout, Ct);

    private async Task<(long, DateTimeOffset)> StartOfNextRunAsync(string resource, CancellationToken cancellationToken)
    {
        var ended = false;
        await foreach (var e in app.ResourceNotifications.WatchAsync(cancellationToken))
        {
            if (e.Resource.Name != resource)
            {
                continue;
            }

            if (KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text))
            {
                ended = true;
            }
            else if (ended && e.Snapshot.State?.Text is { } state && state != KnownResourceStates.Waiting)
            {
                return (Stopwatch.GetTimestamp(), DateTimeOffset.UtcNow);
            }
        }

        throw new OperationCanceledException(cancellationToken);
    }

    private async Task ExecuteAsync(string resource, string command)
    {
        var result = await app.ResourceCommands.ExecuteCommandAsync(resource, command, Ct).WaitAsync(RunningAppHost.Timeout, Ct);
        Assert.True(result.Success, $"{command} {resource}: {result.Message}");
    }

    private bool HasEnded(string resource)
        => app.ResourceNotifications.TryGetCurrentState(resource, out var state) && KnownResourceStates.TerminalStates.Contains(state.Snapshot.State?.Text);

    private Task WaitForEndAsync(string resource)
        => app.ResourceNotifications.WaitForResourceAsync(resource, e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), Ct)
            .WaitAsync(RunningAppHost.Timeout, Ct);

    private sealed class Restarter(ResourceControl control, string resource) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            if (control.HasEnded(resource))
            {
                await control.StartAsync(resource);
            }

            await control.WaitForHealthyAsync(resource);
        }
    }
}
