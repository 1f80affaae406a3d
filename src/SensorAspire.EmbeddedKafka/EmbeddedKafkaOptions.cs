namespace SensorAspire.EmbeddedKafka;

/// <summary>Settings of an <see cref="EmbeddedKafkaBroker"/>.</summary>
public sealed class EmbeddedKafkaOptions
{
    /// <summary>Configuration section hosts bind these options from.</summary>
    public const string SectionName = "EmbeddedKafka";

    /// <summary>TCP port on the loopback interface; 0 picks a free port.</summary>
    public int Port { get; set; }

    /// <summary>Host name clients are told to connect to (Metadata, FindCoordinator).</summary>
    public string AdvertisedHost { get; set; } = "127.0.0.1";

    /// <summary>Create unknown topics when a Metadata request allows it.</summary>
    public bool AutoCreateTopics { get; set; } = true;

    /// <summary>Partition count for auto-created topics and CreateTopics with -1.</summary>
    public int DefaultPartitions { get; set; } = 1;

    /// <summary>Lowest session timeout a group member may ask for (Kafka's default is 6 s).</summary>
    public TimeSpan MinSessionTimeout { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Largest request frame accepted; bigger ones close the connection before anything is allocated (Kafka: 100 MiB).</summary>
    public int MaxRequestBytes { get; set; } = 100 * 1024 * 1024;

    /// <summary>Where the broker logs; null logs nothing.</summary>
    public Microsoft.Extensions.Logging.ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Where topics, logs and committed offsets are kept; null keeps everything in memory. Not used yet (issue 6): a warning is logged.</summary>
    public string? DataDirectory { get; set; }
}
