using Confluent.Kafka;
using SensorAspire.Contracts;

namespace SensorAspire.AppHost.Tests;

/// <summary>
/// Every reading the broker holds now, read straight from <c>sensor-readings</c> and the tutorial's <c>SensorData</c>
/// (each of its messages is a reading of temp1 and one of temp2): what the windows must be made of.
/// </summary>
internal static class AcknowledgedReadings
{
    private static readonly string[] s_topics = [TopicNames.Readings, TopicNames.TutorialSensorData];

    public static Dictionary<string, List<(DateTimeOffset Timestamp, double Value)>> Read(string bootstrapServers)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"acknowledged-readings-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        };
        using var consumer = new ConsumerBuilder<string?, byte[]?>(config).SetLogHandler((_, _) => { }).Build();
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var partitions = admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics
            .Where(t => s_topics.Contains(t.Topic))
            .SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Topic, p.PartitionId)))
            .ToHashSet();
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(p, Offset.Beginning)));
        var readings = new Dictionary<string, List<(DateTimeOffset, double)>>();
        var deadline = DateTime.UtcNow + RunningAppHost.Timeout;
        while (partitions.Count > 0 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is not { } result)
            {
                continue;
            }

            if (result.IsPartitionEOF)
            {
                partitions.Remove(result.TopicPartition);
            }
            else if (result.Topic == TopicNames.Readings && SensorReading.TryRead(result.Message.Key, result.Message.Value, out var reading, out _))
            {
                Add(readings, reading.SensorId, reading.Timestamp, reading.Value);
            }
            else if (result.Topic == TopicNames.TutorialSensorData && TutorialSensorData.TryRead(result.Message.Value, out var data, out _))
            {
                Add(readings, TutorialSensorData.Sensor1, data.Timestamp, data.Temp1);
                Add(readings, TutorialSensorData.Sensor2, data.Timestamp, data.Temp2);
            }
        }

        Assert.True(partitions.Count == 0, $"reading the topics to their end took longer than {RunningAppHost.Timeout}");
        return readings;
    }

    private static void Add(Dictionary<string, List<(DateTimeOffset, double)>> readings, string sensor, DateTimeOffset timestamp, double value)
    {
        if (!readings.TryGetValue(sensor, out var list))
        {
            readings[sensor] = list = [];
        }

        list.Add((timestamp, value));
    }
}
