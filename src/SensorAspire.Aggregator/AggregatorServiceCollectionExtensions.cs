using Microsoft.Extensions.DependencyInjection.Extensions;
using Confluent.Kafka;
using SensorAspire.Aggregator;
using SensorAspire.Aggregator.Kafka;
using SensorAspire.Aggregator.Windows;
using SensorAspire.ServiceDefaults;

namespace Microsoft.Extensions.Hosting;

/// <summary>Registers the aggregator: options, Kafka clients on connection "kafka", windows, worker, health check.</summary>
public static class AggregatorServiceCollectionExtensions
{
    /// <summary>The connection name (<c>ConnectionStrings:kafka</c>) the aggregator's clients use.</summary>
    public const string ConnectionName = "kafka";

    /// <summary>Consumer default for <c>QueuedMaxMessagesKbytes</c> (prefetched input held natively).</summary>
    public const int DefaultQueuedMaxMessagesKbytes = 2 * 1024;

    /// <summary>Consumer default for <c>FetchMaxBytes</c>.</summary>
    public const int DefaultFetchMaxBytes = 1024 * 1024;

    /// <summary>Consumer default for <c>FetchQueueBackoffMs</c>: how long fetching pauses once the prefetch queue is full.</summary>
    public const int DefaultFetchQueueBackoffMs = 5;

    /// <summary>Producer default for <c>QueueBufferingMaxMessages</c> (window updates awaiting acknowledgement).</summary>
    public const int DefaultQueueBufferingMaxMessages = 10_000;

    /// <summary>Producer default for <c>QueueBufferingMaxKbytes</c>.</summary>
    public const int DefaultQueueBufferingMaxKbytes = 16 * 1024;

    public static IHostApplicationBuilder AddAggregatorServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AggregatorOptions>()
            .BindConfiguration(AggregatorOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        var instanceId = KafkaStaticMembership.DefaultGroupInstanceId(builder.Configuration, "aggregator");
        builder.AddKafkaConsumer<string, byte[]>(ConnectionName, settings => ConfigureConsumer(settings, instanceId), SetRebalanceHandlers);
        builder.AddKafkaProducer<string, byte[]>(ConnectionName, ConfigureProducer);

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<WindowStore>();
        builder.Services.AddSingleton<WindowRestorer>();
        builder.Services.AddSingleton<DeadLetterRestorer>();
        builder.Services.AddSingleton<WindowAggregationEngine>();
        builder.Services.AddSingleton<AggregatorTelemetry>();
        builder.Services.AddSingleton<ReadingAggregatorWorker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReadingAggregatorWorker>());
        builder.Services.AddHealthChecks().AddCheck<AggregatorHealthCheck>("aggregator");
        return builder;
    }

    // Configuration wins where it sets a value (??=); the offset-store rule is not negotiable.
    private static void ConfigureConsumer(KafkaConsumerSettings settings, string? defaultInstanceId)
    {
        settings.Config.GroupId ??= AggregatorOptions.DefaultGroupId;

        // Static membership (KIP-345): a replica that restarts rejoins under the same group.instance.id and gets its
        // partitions back at once, instead of the group waiting out the crashed member's session (45 s). The id must be
        // stable across restarts of one replica and unique across replicas; an empty value turns it off.
        KafkaStaticMembership.Apply(settings.Config, defaultInstanceId);
        settings.Config.AutoOffsetReset ??= AutoOffsetReset.Earliest;
        settings.Config.EnableAutoCommit ??= true;

        // Small prefetch (librdkafka's defaults hold far more input in native memory), refilled quickly: librdkafka
        // pauses fetching for fetch.queue.backoff.ms (1 s by default) whenever the prefetch queue is full, which would
        // starve the consume loop with a small queue. Measurements: docs/pipeline.md, "Memory".
        settings.Config.QueuedMaxMessagesKbytes ??= DefaultQueuedMaxMessagesKbytes;
        settings.Config.FetchMaxBytes ??= DefaultFetchMaxBytes;
        settings.Config.FetchQueueBackoffMs ??= DefaultFetchQueueBackoffMs;

        // Offsets are stored by WindowAggregationEngine only after the updates they produced are acknowledged.
        settings.Config.EnableAutoOffsetStore = false;

        // The consume loop reads topic, partition, offset, key, value and headers (trace context); not asking for the
        // timestamp saves a native call per message.
        if (settings.Config.Get("dotnet.consumer.consume.result.fields") is null)
        {
            settings.Config.ConsumeResultFields = "topic,headers";
        }
    }

    private static void ConfigureProducer(KafkaProducerSettings settings)
    {
        settings.Config.Acks ??= Acks.All;
        settings.Config.EnableIdempotence ??= true;
        settings.Config.LingerMs ??= 5;

        // Bounded in-flight updates: Produce waits (back-pressure) once this many are unacknowledged, instead of
        // librdkafka's 100,000 messages / 1 GB, so a 100,000-sensor catch-up does not hold every update at once.
        settings.Config.QueueBufferingMaxMessages ??= DefaultQueueBufferingMaxMessages;
        settings.Config.QueueBufferingMaxKbytes ??= DefaultQueueBufferingMaxKbytes;

        // Delivery reports need only the status; by default the client keeps every message's value alive (managed)
        // until its report, on top of librdkafka's native copy.
        settings.Config.DeliveryReportFields ??= "key,status";
    }

    private static void SetRebalanceHandlers(IServiceProvider services, ConsumerBuilder<string, byte[]> builder)
    {
        // Resolved when a rebalance happens (inside Consume), long after the consumer itself was built.
        builder.SetPartitionsAssignedHandler((c, partitions) => services.GetRequiredService<WindowAggregationEngine>().OnAssigned(c, partitions));
        builder.SetPartitionsRevokedHandler((c, partitions) => services.GetRequiredService<WindowAggregationEngine>().OnRevoked(c, partitions));
        builder.SetPartitionsLostHandler((_, partitions) => services.GetRequiredService<WindowAggregationEngine>().OnLost(partitions));
    }
}
