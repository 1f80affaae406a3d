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

    /// <summary>
    /// Port clients are told to connect to (Metadata, FindCoordinator, <see cref="EmbeddedKafkaBroker.BootstrapServers"/>);
    /// 0 advertises the bound port. Set it when clients reach the broker through a proxy or a port forward.
    /// </summary>
    public int AdvertisedPort { get; set; }

    /// <summary>
    /// On Ctrl+C or SIGTERM, the runnable broker waits up to this long for its clients to close their connections before
    /// it stops, so that services stopped at the same moment (an AppHost stops every resource at once) can still commit
    /// offsets and flush what they produced. Zero stops at once.
    /// </summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Most client connections open at once; a connection over the cap is closed as soon as it is accepted.</summary>
    public int MaxConnections { get; set; } = 1000;

    /// <summary>Create unknown topics when a Metadata request allows it.</summary>
    public bool AutoCreateTopics { get; set; } = true;

    /// <summary>Partition count for auto-created topics and CreateTopics with -1.</summary>
    public int DefaultPartitions { get; set; } = 1;

    /// <summary>Most partitions CreateTopics may ask for in one topic (INVALID_PARTITIONS beyond): each costs a log up front.</summary>
    public int MaxPartitionsPerTopic { get; set; } = 1000;

    /// <summary>Lowest session timeout a group member may ask for (Kafka's default is 6 s).</summary>
    public TimeSpan MinSessionTimeout { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Largest request frame accepted; bigger ones close the connection before anything is allocated (Kafka: 100 MiB).</summary>
    public int MaxRequestBytes { get; set; } = 100 * 1024 * 1024;

    /// <summary>
    /// Most record bytes one Fetch response carries, whatever the request's MaxBytes (Kafka's <c>fetch.max.bytes</c>,
    /// 55 MiB); one batch is still returned when it alone is bigger (KIP-74).
    /// </summary>
    public int FetchMaxBytes { get; set; } = 55 * 1024 * 1024;

    /// <summary>Where the broker logs; null logs nothing.</summary>
    public Microsoft.Extensions.Logging.ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// Where topics (with configs and ids), partition logs and committed offsets are kept so they survive a restart;
    /// null keeps everything in memory only. See the broker README for when data reaches disk.
    /// </summary>
    public string? DataDirectory { get; set; }

    /// <summary>
    /// The cluster id this broker must have (Kafka's <c>cluster.id</c> in <c>meta.properties</c>), e.g. one an AppHost made
    /// for its run so that it can tell its broker from another Kafka on the same port. With a data directory that already
    /// holds a different id the broker refuses to start, as Kafka does; null keeps the directory's id, or makes a new one.
    /// </summary>
    public string? ClusterId { get; set; }

    /// <summary>
    /// fsync after every append and offset commit (survives power loss, costs a disk flush per Produce). Off by
    /// default, as Kafka's <c>log.flush.interval.messages</c>: data is written to the OS before the Produce response and
    /// survives the broker process dying; files are fsynced when the broker stops.
    /// </summary>
    public bool SyncWrites { get; set; }

    /// <summary>Default <c>segment.bytes</c> (Kafka's <c>log.segment.bytes</c>): retention drops and compaction rewrites whole segments of this size.</summary>
    public int SegmentBytes { get; set; } = 1024 * 1024;

    /// <summary>Default <c>retention.bytes</c> per partition (Kafka's <c>log.retention.bytes</c>); -1 means no size limit.</summary>
    public long RetentionBytes { get; set; } = -1;

    /// <summary>Default <c>retention.ms</c> (Kafka's <c>log.retention.ms</c>, 7 days); <see cref="Timeout.InfiniteTimeSpan"/> keeps data forever.</summary>
    public TimeSpan RetentionTime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How often time retention and compaction run over every partition (Kafka's <c>log.retention.check.interval.ms</c>,
    /// 5 minutes). Size retention does not wait for it (checked on every append), nor does compaction after a roll.
    /// </summary>
    public TimeSpan LogCleanupInterval { get; set; } = TimeSpan.FromMinutes(5);
}
