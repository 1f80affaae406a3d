namespace SensorAspire.EmbeddedKafka.Groups;

/// <summary>
/// One committed position. <see cref="Metadata"/> is kept exactly as the client sent it, null included
/// (tansu got this wrong; see the protocol guide section 12.4).
/// </summary>
internal sealed record CommittedOffset(long Offset, int LeaderEpoch, string? Metadata, long CommitTimestampMs);
