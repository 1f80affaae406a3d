using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using SensorAspire.EmbeddedKafka;
using SensorAspire.Testing;

namespace SensorAspire.AppHost.Tests;

/// <summary>
/// A Kafka already on the configured port (a developer's own cluster on 9092) never captures the pipeline: the
/// <c>kafka</c> resource is healthy only for the broker this run started, and the user is told what to do.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class ForeignKafkaTests
{
    private static readonly string[] s_services = ["simulator", "aggregator", "chart"];

    [Fact]
    public async Task AnotherKafkaOnThePortLeavesKafkaUnhealthyStartsNoServiceAndTheLogSaysWhatToDo()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var foreign = await EmbeddedKafkaBroker.StartAsync(new EmbeddedKafkaOptions { Port = 0 }, ct);
        var console = new ConsoleCapture();
        // Not awaited: starting completes only when every resource has started, and the services wait for kafka.
        var (app, starting) = await StartAsync(foreign.Port, console);
        await using (app)
        {
            var expected = $"port {foreign.Port} is in use by another process (another Kafka, cluster id {foreign.ClusterId})";
            var logged = await KafkaLogLineAsync(app, l => l.Contains(expected, StringComparison.Ordinal));
            Assert.Contains("set Kafka:Port to a free port, or stop it", logged);
            // Once, from the AppHost itself (the testing builder also forwards every resource's log to the console).
            Assert.Single(console.Messages, m => m.Category == "SensorAspire.AppHost" && m.Text.Contains(expected, StringComparison.Ordinal));

            // Our broker could not bind the port and exited; nothing else could make kafka healthy.
            var kafka = await app.ResourceNotifications.WaitForResourceAsync("kafka",
                e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), ct).WaitAsync(RunningAppHost.Timeout, ct);
            Assert.NotEqual(HealthStatus.Healthy, kafka.Snapshot.HealthStatus);
            foreach (var service in s_services)
            {
                Assert.True(app.ResourceNotifications.TryGetCurrentState(service, out var state));
                Assert.Equal(KnownResourceStates.Waiting, state.Snapshot.State?.Text);
            }

            Assert.False(starting.IsCompletedSuccessfully, "the application finished starting with kafka unhealthy");
        }

        // The other cluster holds nothing of ours: no topic, no consumer group.
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = foreign.BootstrapServers }).Build();
        Assert.Empty(admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics);
        Assert.Empty((await admin.ListConsumerGroupsAsync()).Valid);
    }

    [Fact]
    public async Task MovingKafkaPortToAFreePortMakesTheSameRunWork()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var foreign = await EmbeddedKafkaBroker.StartAsync(new EmbeddedKafkaOptions { Port = 0 }, ct);
        var (app, starting) = await StartAsync(FreePorts.Next(), new ConsoleCapture());
        await using var _ = app;
        await starting.WaitAsync(RunningAppHost.Timeout, ct);

        await app.ResourceNotifications.WaitForResourceHealthyAsync("chart", ct).WaitAsync(RunningAppHost.Timeout, ct);
        await Wait.ForAsync(async token => await ChartWindows.GetAsync(app.GetEndpoint("chart", "http"), token) is var w
                && w.ContainsKey("temp1") && w.ContainsKey("temp2") ? w : null,
            "windows of temp1 and temp2 on the chart", RunningAppHost.Timeout, RunningAppHost.PollInterval);
    }

    private static async Task<(DistributedApplication App, Task Starting)> StartAsync(int kafkaPort, ConsoleCapture console)
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.SensorAspire_AppHost>(
            [$"--Kafka:Port={kafkaPort}"], ct);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning).AddProvider(console));
        var app = await builder.BuildAsync(ct);
        return (app, app.StartAsync(ct));
    }

    /// <summary>Waits for a line of the <c>kafka</c> resource's log, as the dashboard shows it, that matches.</summary>
    private static async Task<string> KafkaLogLineAsync(DistributedApplication app, Func<string, bool> match)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(RunningAppHost.Timeout);
        var kafka = app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == "kafka");
        var logs = app.Services.GetRequiredService<ResourceLoggerService>();
        await foreach (var batch in logs.WatchAsync(kafka).WithCancellation(timeout.Token))
        {
            if (batch.FirstOrDefault(l => match(l.Content)) is { } line)
            {
                return line.Content;
            }
        }

        throw new InvalidOperationException("kafka's log ended without the line");
    }

    /// <summary>What the AppHost writes to its console through its loggers.</summary>
    private sealed class ConsoleCapture : ILoggerProvider
    {
        private readonly ConcurrentQueue<(string Category, string Text)> _messages = new();

        public IReadOnlyCollection<(string Category, string Text)> Messages => _messages;

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _messages);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<(string Category, string Text)> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                => messages.Enqueue((category, formatter(state, exception)));
        }
    }
}
