namespace SensorAspire.EmbeddedKafka.Protocol;

/// <summary>
/// The Kafka error codes this broker answers with, numbered as in Apache Kafka's <c>Errors.java</c>. Every generated
/// <c>*ErrorCode</c> field has this type. Named apart from <c>Confluent.Kafka.ErrorCode</c>, which tests use beside it.
/// </summary>
public enum KafkaErrorCode : short
{
    None = 0,
    OffsetOutOfRange = 1,
    CorruptMessage = 2,
    UnknownTopicOrPartition = 3,
    LeaderNotAvailable = 5,
    MessageTooLarge = 10,
    OffsetMetadataTooLarge = 12,
    CoordinatorNotAvailable = 15,
    NotCoordinator = 16,
    InvalidTopicException = 17,
    InvalidRequiredAcks = 21,
    IllegalGeneration = 22,
    InconsistentGroupProtocol = 23,
    InvalidGroupId = 24,
    UnknownMemberId = 25,
    InvalidSessionTimeout = 26,
    RebalanceInProgress = 27,
    UnsupportedVersion = 35,
    TopicAlreadyExists = 36,
    InvalidPartitions = 37,
    InvalidReplicationFactor = 38,
    InvalidConfig = 40,
    InvalidRequest = 42,
    OutOfOrderSequenceNumber = 45,
    DuplicateSequenceNumber = 46,
    InvalidProducerEpoch = 47,
    TransactionalIdAuthorizationFailed = 53,
    KafkaStorageError = 56,
    UnknownProducerId = 59,
    UnknownLeaderEpoch = 75,
    UnsupportedCompressionType = 76,
    MemberIdRequired = 79,
    FencedInstanceId = 82,
    InvalidRecord = 87,
    UnknownTopicId = 100,
}
