using Microsoft.Extensions.Options;
using SensorAspire.EmbeddedKafka;

namespace SensorAspire.Standalone;

/// <summary>
/// Starts the embedded broker in this process and the three services as child processes, waits for Ctrl+C/SIGTERM
/// or for a service to die, then stops the services (SIGTERM) before the broker so consumers leave their groups cleanly.
/// </summary>
internal sealed partial class StandaloneSupervisor(
    IOptions<StandaloneOptions> options,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggerFactory,
    ILogger<StandaloneSupervisor> logger) : BackgroundService
{
    // Under HostOptions.ShutdownTimeout (30 s), so a stuck service is killed before the host gives up on us.
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        List<ChildProcess> children = [];
        try
        {
            await using var broker = await EmbeddedKafkaBroker.StartAsync(
                new EmbeddedKafkaOptions
                {
                    Port = settings.BrokerPort,
                    DataDirectory = settings.DataDirectory,
                    LoggerFactory = loggerFactory,
                },
                stoppingToken);
            try
            {
                foreach (var service in StandaloneServices.Describe(settings, broker.BootstrapServers))
                {
                    var child = ChildProcess.Start(service.Name, ServiceBinaries.Locate(service.Project), service.Environment);
                    children.Add(child);
                    LogServiceStarted(child.Name, child.Id);
                }

                LogReady(StandaloneServices.ChartUrl(settings), broker.BootstrapServers);
                await WatchAsync(children, stoppingToken);
            }
            finally
            {
                // Services first, broker (await using) last.
                await Task.WhenAll(children.Select(StopAsync));
            }
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            LogFailed(ex);
            Fail();
        }
        finally
        {
            children.ForEach(c => c.Dispose());
        }
    }

    /// <summary>Returns on Ctrl+C/SIGTERM; if a service exits first, says so and stops the whole run with exit code 1.</summary>
    private async Task WatchAsync(List<ChildProcess> children, CancellationToken stoppingToken)
    {
        try
        {
            var exited = await Task.WhenAny(children.Select(c => c.Exited)).WaitAsync(stoppingToken);
            var died = children.First(c => c.Exited == exited);
            LogServiceDied(died.Name, await died.Exited);
            Fail();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            LogStopping();
        }
    }

    private async Task StopAsync(ChildProcess child)
    {
        var exitCode = await child.StopAsync(s_stopTimeout);
        LogServiceStopped(child.Name, exitCode);
    }

    private void Fail()
    {
        Environment.ExitCode = 1;
        lifetime.StopApplication();
    }

    [LoggerMessage(2, LogLevel.Information, "{Service} started (pid {ProcessId})")]
    private partial void LogServiceStarted(string service, int processId);

    [LoggerMessage(3, LogLevel.Information, "Chart: {ChartUrl} | Kafka bootstrap servers: {BootstrapServers} | Ctrl+C stops everything")]
    private partial void LogReady(string chartUrl, string bootstrapServers);

    [LoggerMessage(4, LogLevel.Error, "{Service} exited unexpectedly with code {ExitCode}; stopping the other services")]
    private partial void LogServiceDied(string service, int exitCode);

    [LoggerMessage(5, LogLevel.Information, "Stopping the services")]
    private partial void LogStopping();

    [LoggerMessage(6, LogLevel.Information, "{Service} stopped (exit code {ExitCode})")]
    private partial void LogServiceStopped(string service, int exitCode);

    [LoggerMessage(7, LogLevel.Critical, "The standalone run failed")]
    private partial void LogFailed(Exception exception);
}
