using SensorAspire.EmbeddedKafka;

namespace SensorAspire.Pipeline.Tests.EndToEnd;

/// <summary>One embedded broker shared by the end-to-end tests; each test uses its own topics and groups.</summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    private EmbeddedKafkaBroker? _broker;

    public string BootstrapServers => _broker!.BootstrapServers;

    public async ValueTask InitializeAsync()
        => _broker = await EmbeddedKafkaBroker.StartAsync(new EmbeddedKafkaOptions(), TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}

/// <summary>End-to-end tests run one at a time: they share the broker and two cores.</summary>
[CollectionDefinition(Name)]
public sealed class PipelineCollection : ICollectionFixture<BrokerFixture>
{
    public const string Name = "pipeline";
}
