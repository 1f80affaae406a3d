// OffsetFetch (key 9), versions 0-7.
//
// Behaviour:
// - Works for any group id, known or not, in every group state.
// - A partition without a commit answers offset -1, leader epoch -1, metadata "" and no error; the client then
//   applies auto.offset.reset. Committed metadata comes back exactly as committed (null included).
// - Topics = null (v2+) means every committed offset of the group (AdminClient ListConsumerGroupOffsets).
// - The top-level ErrorCode (v2+) follows the topic list on the wire; it is always 0 here.
//
// Not implemented: RequireStable (v7) is ignored, as there are no transactions; v8+ (several groups per request).

using SensorAspire.EmbeddedKafka.Cluster;
using SensorAspire.EmbeddedKafka.Groups;
using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Apis;

internal sealed class OffsetFetchApi(BrokerState broker) : ApiHandler<OffsetFetchRequest, OffsetFetchResponse>(ApiMessageCatalog.OffsetFetch, 0, 7)
{
    private readonly GroupCoordinator _groups = broker.GetComponent(GroupCoordinator.Create);

    protected override ValueTask<OffsetFetchResponse?> HandleAsync(RequestContext context, OffsetFetchRequest request)
    {
        var wanted = request.Topics?
            .SelectMany(topic => topic.PartitionIndexes.Select(partition => new TopicPartitionKey(topic.Name, partition)))
            .ToList();
        var response = new OffsetFetchResponse { ErrorCode = KafkaErrorCode.None };
        foreach (var topic in _groups.FetchOffsets(request.GroupId, wanted).GroupBy(offset => offset.Topic))
        {
            var result = new OffsetFetchResponse.OffsetFetchResponseTopic { Name = topic.Key };
            foreach (var offset in topic)
            {
                result.Partitions.Add(new OffsetFetchResponse.OffsetFetchResponsePartition
                {
                    PartitionIndex = offset.Partition,
                    CommittedOffset = offset.Offset,
                    CommittedLeaderEpoch = offset.LeaderEpoch,
                    Metadata = offset.Metadata,
                    ErrorCode = KafkaErrorCode.None,
                });
            }

            response.Topics.Add(result);
        }

        return new(response);
    }
}
