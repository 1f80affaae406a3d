namespace SensorAspire.EmbeddedKafka.Storage;

/// <summary>Where one stored batch lives in its segment, with what Fetch and ListOffsets need to find it.</summary>
internal readonly record struct BatchIndexEntry(long BaseOffset, long LastOffset, long MaxTimestamp, int Position, int Length);
