// CreateTopics (key 19), versions 0-4.
//
// Behaviour:
// - Synchronous: the topic exists when the response is sent (clients produce right after).
// - Name must be 1-249 of [a-zA-Z0-9._-] and not "." or "..": INVALID_TOPIC_EXCEPTION (17). Existing name:
//   TOPIC_ALREADY_EXISTS (36). NumPartitions -1 (v4) = EmbeddedKafkaOptions.DefaultPartitions; 0 or below -1:
//   INVALID_PARTITIONS (37), as is more than EmbeddedKafkaOptions.MaxPartitionsPerTopic (default 1000; every partition
//   costs a log up front, so a hostile count must not allocate gigabytes). Manual Assignments give the partition count.
// - ReplicationFactor: -1 or any positive value is accepted and treated as 1 (a deliberate dev-broker leniency, so
//   configs written for a 3-node cluster still work); 0 or below -1: INVALID_REPLICATION_FACTOR (38).
// - Configs are stored as given and reported by DescribeConfigs. The ones the log acts on are validated:
//   segment.bytes, retention.bytes, retention.ms, delete.retention.ms, cleanup.policy (delete, compact or both);
//   a bad value is INVALID_CONFIG (40). Others are stored, not checked. validateOnly (v1+) checks without creating.
// - With a data directory the topic (name, id, partitions, configs) is on disk before the response is sent.
// - The broker is the controller (Metadata ControllerId), so AdminClient sends this to us.
//
// Not implemented: v5+ (returns configs in the response), config name/value validation.

using SensorAspire.EmbeddedKafka.Cluster;
using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Apis;

internal sealed class CreateTopicsApi(BrokerState broker) : ApiHandler<CreateTopicsRequest, CreateTopicsResponse>(ApiMessageCatalog.CreateTopics, 0, 4)
{
    protected override ValueTask<CreateTopicsResponse?> HandleAsync(RequestContext context, CreateTopicsRequest request)
    {
        var response = new CreateTopicsResponse();
        foreach (var creatable in request.Topics)
        {
            var error = Create(creatable, request.validateOnly);
            response.Topics.Add(new CreateTopicsResponse.CreatableTopicResult
            {
                Name = creatable.Name,
                ErrorCode = error,
                ErrorMessage = error == KafkaErrorCode.None ? null : Describe(error, creatable),
            });
        }

        return new(response);
    }

    private KafkaErrorCode Create(CreateTopicsRequest.CreatableTopic creatable, bool validateOnly)
    {
        if (creatable.ReplicationFactor is 0 or < -1)
        {
            return KafkaErrorCode.InvalidReplicationFactor;
        }

        var partitions = creatable.Assignments.Count > 0 ? creatable.Assignments.Count
            : creatable.NumPartitions == -1 ? broker.Options.DefaultPartitions
            : creatable.NumPartitions;
        var configs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var config in creatable.Configs)
        {
            if (config.Value is not null)
            {
                configs[config.Name] = config.Value;
            }
        }

        if (partitions > broker.Options.MaxPartitionsPerTopic)
        {
            // Every partition costs a log up front: a hostile count must not be able to allocate gigabytes.
            return KafkaErrorCode.InvalidPartitions;
        }

        return broker.Topics.TryCreate(creatable.Name, partitions, configs, validateOnly, out _);
    }

    private string Describe(KafkaErrorCode error, CreateTopicsRequest.CreatableTopic creatable) => error switch
    {
        KafkaErrorCode.TopicAlreadyExists => $"Topic '{creatable.Name}' already exists.",
        KafkaErrorCode.InvalidTopicException => $"Topic name '{creatable.Name}' is illegal: use 1-249 of [a-zA-Z0-9._-].",
        KafkaErrorCode.InvalidPartitions => $"Number of partitions must be -1 or 1..{broker.Options.MaxPartitionsPerTopic} (MaxPartitionsPerTopic), got {Math.Max(creatable.NumPartitions, creatable.Assignments.Count)}.",
        KafkaErrorCode.InvalidConfig => "Invalid value for segment.bytes, retention.bytes, retention.ms, delete.retention.ms or cleanup.policy.",
        KafkaErrorCode.InvalidReplicationFactor => $"Replication factor must be positive or -1, got {creatable.ReplicationFactor}.",
        _ => $"Error {(short)error}.",
    };
}
