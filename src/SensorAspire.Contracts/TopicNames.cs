namespace SensorAspire.Contracts;

/// <summary>Kafka topic names shared by every service.</summary>
public static class TopicNames
{
    /// <summary>JSON readings keyed by sensor id, written by the simulator.</summary>
    public const string Readings = "sensor-readings";

    /// <summary>The tutorial's topic: key "key", value "datetime,temp1,temp2".</summary>
    public const string TutorialSensorData = "SensorData";

    /// <summary>Window updates keyed by sensor id (cleanup.policy=compact), read by the chart.</summary>
    public const string Windows = "sensor-windows";

    /// <summary>Messages the aggregator could not parse, with the reason in a header.</summary>
    public const string DeadLetter = "sensor-readings-dlq";
}
