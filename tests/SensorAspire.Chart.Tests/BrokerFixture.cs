using SensorAspire.EmbeddedKafka;

[assembly: AssemblyFixture(typeof(SensorAspire.Chart.Tests.BrokerFixture))]

namespace SensorAspire.Chart.Tests;

/// <summary>One embedded broker for the whole assembly; every test uses its own topic.</summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    // Three partitions so the chart has to read more than one (sensor ids spread over them by key hash).
    public const int Partitions = 3;

    private EmbeddedKafkaBroker? _broker;

    public string BootstrapServers => _broker?.BootstrapServers ?? throw new InvalidOperationException("The broker has not started.");

    public async ValueTask InitializeAsync()
        => _broker = await EmbeddedKafkaBroker.StartAsync(
            new EmbeddedKafkaOptions { DefaultPartitions = Partitions }, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }

    public static string UniqueTopic(string name) => $"windows-{name}-{Guid.NewGuid():N}";
}
