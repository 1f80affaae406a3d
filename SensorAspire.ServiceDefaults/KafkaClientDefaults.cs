using Confluent.Kafka;

namespace SensorAspire.ServiceDefaults;

/// <summary>
/// Defaults every Kafka client of ours gets unless configuration sets the key: producers, consumers, and the admin
/// clients of the health check and topic creation.
/// </summary>
public static class KafkaClientDefaults
{
    /// <summary>
    /// <c>reconnect.backoff.max.ms</c>: librdkafka backs off exponentially up to 10 s between attempts to reach a broker
    /// that is down, so a broker back after a few seconds was seen up to 10 s later; at 1 s a restarted broker is
    /// reached within a second, for one connection attempt a second while it is down.
    /// </summary>
    public const int ReconnectBackoffMaxMs = 1000;

    /// <summary>
    /// Applies the defaults where <paramref name="config"/> does not set them. <c>allow.auto.create.topics</c> is false:
    /// librdkafka's producers (and admin clients, which are producers inside) ask for it in every Metadata request, so a
    /// producer whose topic is gone (a broker that came back empty) made the broker create it again with the broker's
    /// default partition count and configs, before the topic's owner could (the broker's <c>auto.create.topics.enable</c>
    /// is true by default; the client setting is KIP-361's, which librdkafka applies to producers too). Topics are
    /// created by their owner only.
    /// </summary>
    public static void Apply(ClientConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.AllowAutoCreateTopics ??= false;
        config.ReconnectBackoffMaxMs ??= ReconnectBackoffMaxMs;
    }
}
