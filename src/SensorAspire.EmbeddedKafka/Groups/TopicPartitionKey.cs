namespace SensorAspire.EmbeddedKafka.Groups;

/// <summary>A topic and partition, as the key of committed offsets.</summary>
internal readonly record struct TopicPartitionKey(string Topic, int Partition);
