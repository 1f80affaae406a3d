using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Groups;

/// <summary>The answer to a SyncGroup: this member's assignment, empty (never null) when it has none.</summary>
internal sealed record SyncGroupOutcome(KafkaErrorCode Error, string? ProtocolType, string? ProtocolName, byte[] Assignment)
{
    public static SyncGroupOutcome Failed(KafkaErrorCode error) => new(error, null, null, []);
}
