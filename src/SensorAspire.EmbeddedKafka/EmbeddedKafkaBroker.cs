namespace SensorAspire.EmbeddedKafka;

/// <summary>A single-node broker that speaks the Kafka wire protocol, for development and tests.</summary>
public sealed class EmbeddedKafkaBroker : IAsyncDisposable
{
    private EmbeddedKafkaBroker(EmbeddedKafkaOptions options) => Options = options;

    public EmbeddedKafkaOptions Options { get; }

    /// <summary>The bootstrap address clients use, e.g. <c>127.0.0.1:9092</c>.</summary>
    public string BootstrapServers => throw new NotImplementedException("The broker lands with issue 2.");

    public static Task<EmbeddedKafkaBroker> StartAsync(EmbeddedKafkaOptions? options = null, CancellationToken cancellationToken = default)
        => throw new NotImplementedException("The broker lands with issue 2.");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
