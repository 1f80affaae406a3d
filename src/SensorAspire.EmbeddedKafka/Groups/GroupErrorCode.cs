namespace SensorAspire.EmbeddedKafka.Groups;

/// <summary>The Kafka error codes the group coordinator answers with (values from the protocol's error table).</summary>
internal enum GroupErrorCode : short
{
    None = 0,
    UnknownTopicOrPartition = 3,
    OffsetMetadataTooLarge = 12,
    CoordinatorNotAvailable = 15,
    IllegalGeneration = 22,
    InconsistentGroupProtocol = 23,
    InvalidGroupId = 24,
    UnknownMemberId = 25,
    InvalidSessionTimeout = 26,
    RebalanceInProgress = 27,
    UnsupportedVersion = 35,
    MemberIdRequired = 79,
}
