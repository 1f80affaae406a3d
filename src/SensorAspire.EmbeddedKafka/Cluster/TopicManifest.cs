namespace SensorAspire.EmbeddedKafka.Cluster;

/// <summary>What a data directory keeps of a topic besides its logs: name, stable id, partition count and the configs set at creation.</summary>
internal sealed record TopicManifest(string Name, Guid Id, int Partitions, Dictionary<string, string> Configs);
