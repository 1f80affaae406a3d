// Metadata (key 3), versions 0-12.
//
// Behaviour:
// - One broker: NodeId 1 at the advertised host and the actually bound port; ControllerId is that node, or AdminClient
//   CreateTopics/DeleteTopics would wait for a controller forever.
// - Topics: v0 empty list = all topics; v1+ null = all, empty = none (brokers only). v10+ topics may be asked by id.
// - Auto-create: when the request allows it (v4+ flag; always for v0-3) and EmbeddedKafkaOptions.AutoCreateTopics is
//   on, an unknown topic is created synchronously with DefaultPartitions and returned with error 0 at once.
// - Never auto-creates a name starting with "__", the prefix of Kafka's internal topics: UNKNOWN_TOPIC_OR_PARTITION,
//   IsInternal for Kafka's own internal names (see IsReservedForKafka).
// - Partitions: leader = replicas = ISR = our node, leader epoch 0 (constant), no offline replicas.
// - TopicId (v10+): random per topic, stable for its lifetime. Authorized operations: INT32_MIN (not requested) or all.
//
// Not implemented: v13 (newer than our schemas), rack ids, internal topics (__consumer_offsets never exists: committed
// offsets are kept outside the log).

using SensorAspire.EmbeddedKafka.Cluster;
using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Apis;

internal sealed class MetadataApi(BrokerState broker) : ApiHandler<MetadataRequest, MetadataResponse>(ApiMessageCatalog.Metadata, 0, 12)
{
    /// <summary>Every ACL operation bit (READ..DESCRIBE_CONFIGS...) for clients that ask for authorized operations.</summary>
    private const int AllOperations = 0b1111_1111_1000;

    /// <summary>Kafka's <c>Topic.isInternal</c> set: topics its coordinators create and own.</summary>
    private static readonly HashSet<string> s_kafkaInternalTopics = new(StringComparer.Ordinal)
    {
        "__consumer_offsets", "__transaction_state", "__share_group_state",
    };

    protected override ValueTask<MetadataResponse?> HandleAsync(RequestContext context, MetadataRequest request)
    {
        var response = new MetadataResponse
        {
            ClusterId = broker.ClusterId,
            ControllerId = BrokerState.NodeId,
            Brokers = [new MetadataResponse.MetadataResponseBroker { NodeId = BrokerState.NodeId, Host = broker.AdvertisedHost, Port = broker.Port }],
        };

        var allTopics = request.Topics is null || (context.ApiVersion == 0 && request.Topics.Count == 0);
        if (allTopics)
        {
            foreach (var topic in broker.Topics.Snapshot())
            {
                response.Topics.Add(Describe(topic, request));
            }

            return new(response);
        }

        var allowCreate = (context.ApiVersion < 4 || request.AllowAutoTopicCreation) && broker.Options.AutoCreateTopics;
        foreach (var wanted in request.Topics!)
        {
            var topic = wanted.Name is { } name ? broker.Topics.Find(name) : broker.Topics.Find(wanted.TopicId);
            if (topic is null && wanted.Name is { } newName && allowCreate && TopicRegistry.IsValidName(newName) && !IsReservedForKafka(newName))
            {
                topic = broker.Topics.GetOrCreate(newName, broker.Options.DefaultPartitions);
            }

            if (topic is null)
            {
                var invalid = wanted.Name is not null && !TopicRegistry.IsValidName(wanted.Name);
                response.Topics.Add(new MetadataResponse.MetadataResponseTopic
                {
                    Name = wanted.Name,
                    TopicId = wanted.TopicId,
                    IsInternal = wanted.Name is not null && s_kafkaInternalTopics.Contains(wanted.Name),
                    ErrorCode = invalid ? KafkaErrorCode.InvalidTopicException
                        : wanted.Name is null ? KafkaErrorCode.UnknownTopicId : KafkaErrorCode.UnknownTopicOrPartition,
                });
                continue;
            }

            response.Topics.Add(Describe(topic, request));
        }

        return new(response);
    }

    /// <summary>
    /// Names that are never auto-created: the "__" prefix is where Kafka keeps its internal topics. Kafka's own
    /// (<c>__consumer_offsets</c>, <c>__transaction_state</c>, <c>__share_group_state</c>) are created by its
    /// coordinators, never as ordinary topics; until one exists Kafka answers a Metadata request for it with
    /// UNKNOWN_TOPIC_OR_PARTITION and IsInternal set (KafkaApis.getTopicMetadata, and AutoTopicCreationManager's
    /// answer while it asks the controller to create it). This broker keeps committed offsets outside the log, so
    /// <c>__consumer_offsets</c> never exists and that answer stands; tools that look for it (Burrow) learn it is not
    /// there instead of finding an empty ordinary topic that then persists in the data directory. Other "__" names
    /// Kafka would auto-create as ordinary topics; here they get the answer Kafka gives with auto-creation off, because
    /// a topic made by a stray lookup under the internal prefix is never what a client wanted. CreateTopics still
    /// creates any valid name, as in Kafka.
    /// </summary>
    private static bool IsReservedForKafka(string name) => name.StartsWith("__", StringComparison.Ordinal);

    private static MetadataResponse.MetadataResponseTopic Describe(Topic topic, MetadataRequest request)
    {
        var entry = new MetadataResponse.MetadataResponseTopic
        {
            Name = topic.Name,
            TopicId = topic.Id,
            TopicAuthorizedOperations = request.IncludeTopicAuthorizedOperations ? AllOperations : int.MinValue,
        };
        for (var i = 0; i < topic.PartitionCount; i++)
        {
            entry.Partitions.Add(new MetadataResponse.MetadataResponsePartition
            {
                PartitionIndex = i,
                LeaderId = BrokerState.NodeId,
                LeaderEpoch = Storage.PartitionLog.LeaderEpoch,
                ReplicaNodes = [BrokerState.NodeId],
                IsrNodes = [BrokerState.NodeId],
            });
        }

        return entry;
    }
}
