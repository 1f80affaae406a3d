namespace SensorAspire.EmbeddedKafka.Groups;

/// <summary>An OffsetFetch answer for one partition: offset -1 and epoch -1 when nothing was committed.</summary>
internal sealed record FetchedOffset(string Topic, int Partition, long Offset, int LeaderEpoch, string? Metadata);
