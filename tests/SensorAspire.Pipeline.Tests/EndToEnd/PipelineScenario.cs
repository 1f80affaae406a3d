using SensorAspire.Aggregator;
using SensorAspire.Simulator;

namespace SensorAspire.Pipeline.Tests.EndToEnd;

/// <summary>Unique topics and group for one test, and the settings the AppHost would give each service.</summary>
internal sealed class PipelineScenario(string bootstrapServers)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Partitions of the readings and windows topics the aggregator creates (the broker's default is 1).</summary>
    public const int Partitions = 2;

    private readonly string _id = Guid.NewGuid().ToString("N")[..8];

    public string BootstrapServers { get; } = bootstrapServers;

    public string ReadingsTopic => $"readings-{_id}";

    public string TutorialTopic => $"SensorData-{_id}";

    public string WindowsTopic => $"windows-{_id}";

    public string DeadLetterTopic => $"dlq-{_id}";

    public string GroupId => $"aggregator-{_id}";

    /// <summary>Short client timeouts keep joins and rebalances fast against the embedded broker.</summary>
    public Dictionary<string, string?> Common() => new()
    {
        ["ConnectionStrings:kafka"] = BootstrapServers,
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Aspire.Confluent.Kafka"] = "Critical",
        ["Aspire:Confluent:Kafka:Consumer:Config:SessionTimeoutMs"] = "6000",
        ["Aspire:Confluent:Kafka:Consumer:Config:HeartbeatIntervalMs"] = "500",
        ["Aspire:Confluent:Kafka:Consumer:Config:FetchWaitMaxMs"] = "100",
        ["Aspire:Confluent:Kafka:Consumer:Config:TopicMetadataRefreshIntervalMs"] = "1000",
        ["Aspire:Confluent:Kafka:Producer:Config:LingerMs"] = "1",
    };

    public Dictionary<string, string?> AggregatorSettings(int windowSize = 12)
    {
        var settings = Common();
        settings["Aspire:Confluent:Kafka:Consumer:Config:GroupId"] = GroupId;
        settings[$"{AggregatorOptions.SectionName}:ReadingsTopic"] = ReadingsTopic;
        settings[$"{AggregatorOptions.SectionName}:TutorialTopic"] = TutorialTopic;
        settings[$"{AggregatorOptions.SectionName}:WindowsTopic"] = WindowsTopic;
        settings[$"{AggregatorOptions.SectionName}:DeadLetterTopic"] = DeadLetterTopic;
        settings[$"{AggregatorOptions.SectionName}:Partitions"] = Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings[$"{AggregatorOptions.SectionName}:WindowSize"] = windowSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return settings;
    }

    public Dictionary<string, string?> SimulatorSettings(int sensors, TimeSpan interval, int maxReadings)
    {
        var settings = Common();
        settings[$"{SimulatorOptions.SectionName}:Topic"] = ReadingsTopic;
        settings[$"{SimulatorOptions.SectionName}:SensorCount"] = sensors.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings[$"{SimulatorOptions.SectionName}:Interval"] = interval.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
        settings[$"{SimulatorOptions.SectionName}:MaxReadings"] = maxReadings.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return settings;
    }

    public ServiceHost<AggregatorOptions> StartAggregator(int windowSize = 12, SpanCollector? spans = null)
        => new ServiceHost<AggregatorOptions>(AggregatorSettings(windowSize), spans).Start();

    public ServiceHost<SimulatorOptions> StartSimulator(int sensors, TimeSpan interval, int maxReadings, SpanCollector? spans = null)
        => new ServiceHost<SimulatorOptions>(SimulatorSettings(sensors, interval, maxReadings), spans).Start();
}
