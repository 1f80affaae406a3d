// Metadata (key 3), versions 0-12.
//
// Behaviour:
// - One broker: NodeId 1 at the advertised host and the actually bound port; ControllerId is that node, or AdminClient
//   CreateTopics/DeleteTopics would wait for a controller forever.
// - Topics: v0 empty list = all topics; v1+ null = all, empty = none (brokers only). v10+ topics may be asked by id.
// - Auto-create: when the request allows it (v4+ flag; always for v0-3) and EmbeddedKafkaOptions.AutoCreateTopics is
//   on, an unknown topic is created synchronously with DefaultPartitions and returned with error 0 at once.
// - Partitions: leader = replicas = ISR = our node, leader epoch 0 (constant), no offline replicas.
// - TopicId (v10+): random per topic, stable for its lifetime. Authorized operations: INT32_MIN (not requested) or all.
//
// Not implemented: v13 (newer than our schemas), rack ids, internal topics (__consumer_offsets is not exposed).

using SensorAspire.EmbeddedKafka.Cluster;
using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Apis;

internal sealed class MetadataApi(BrokerState broker) : ApiHandler<MetadataRequest, MetadataResponse>(ApiMessageCatalog.Metadata, 0, 12)
{
    /// <summary>Every ACL operation bit (READ..DESCRIBE_CONFIGS...) for clients that ask for authorized operations.</summary>
    private const int AllOperations = 0b1111_1111_1000;

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
            if (topic is null && wanted.Name is { } newName && allowCreate && TopicRegistry.IsValidName(newName))
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
                    ErrorCode = invalid ? KafkaErrorCode.InvalidTopicException
                        : wanted.Name is null ? KafkaErrorCode.UnknownTopicId : KafkaErrorCode.UnknownTopicOrPartition,
                });
                continue;
            }

            response.Topics.Add(Describe(topic, request));
        }

        return new(response);
    }

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
