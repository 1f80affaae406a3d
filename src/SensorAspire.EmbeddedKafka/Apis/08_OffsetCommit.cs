// OffsetCommit (key 8), versions 0-9.
//
// Behaviour:
// - Stores offset, leader epoch (v6+), metadata (exactly as sent, null included) and commit time (v1's per-partition
//   CommitTimestamp, else now) per group, topic and partition, behind ICommittedOffsetStore.
// - A member's commit needs a known member id (UNKNOWN_MEMBER_ID 25) and the current generation (ILLEGAL_GENERATION 22);
//   it is refused while the group awaits the leader's assignment (REBALANCE_IN_PROGRESS 27) but allowed while a
//   rebalance is being prepared, so members can commit what they processed before they rejoin.
// - Generation -1 (and v0, which has no generation) is a "simple" commit (AdminClient AlterConsumerGroupOffsets,
//   kcat -C with stored offsets): accepted only while the group has no members, creating it as Empty if needed.
// - Per partition: unknown topic or partition UNKNOWN_TOPIC_OR_PARTITION (3); metadata over 4096 characters
//   OFFSET_METADATA_TOO_LARGE (12). v9 has v8's wire format.
// - v7+ GroupInstanceId (KIP-345): a replaced static member id is FENCED_INSTANCE_ID (82), so a consumer that a
//   restarted instance has taken over cannot overwrite its offsets.
//
// Not implemented: RetentionTimeMs (v2-4) is ignored and offsets never expire; v10 (topic ids).

using SensorAspire.EmbeddedKafka.Cluster;
using SensorAspire.EmbeddedKafka.Groups;
using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Apis;

internal sealed class OffsetCommitApi(BrokerState broker) : ApiHandler<OffsetCommitRequest, OffsetCommitResponse>(ApiMessageCatalog.OffsetCommit, 0, 9)
{
    private readonly GroupCoordinator _groups = broker.GetComponent(GroupCoordinator.Create);

    protected override ValueTask<OffsetCommitResponse?> HandleAsync(RequestContext context, OffsetCommitRequest request)
    {
        var version = context.ApiVersion;
        var partitions = request.Topics
            .SelectMany(topic => topic.Partitions.Select(partition => new PartitionCommit(
                topic.Name,
                partition.PartitionIndex,
                partition.CommittedOffset,
                version >= 6 ? partition.CommittedLeaderEpoch : -1,
                partition.CommittedMetadata,
                version == 1 && partition.CommitTimestamp >= 0 ? partition.CommitTimestamp : null)))
            .ToList();
        var errors = _groups.CommitOffsets(new OffsetCommitCommand(
            request.GroupId,
            version >= 1 ? request.GenerationIdOrMemberEpoch : -1,
            version >= 1 ? request.MemberId : "",
            request.GroupInstanceId,
            partitions));

        // The errors come back in request order; walk the request's shape again to place them.
        var response = new OffsetCommitResponse();
        var next = 0;
        foreach (var topic in request.Topics)
        {
            var result = new OffsetCommitResponse.OffsetCommitResponseTopic { Name = topic.Name };
            foreach (var partition in topic.Partitions)
            {
                result.Partitions.Add(new OffsetCommitResponse.OffsetCommitResponsePartition
                {
                    PartitionIndex = partition.PartitionIndex,
                    ErrorCode = errors[next++],
                });
            }

            response.Topics.Add(result);
        }

        return new(response);
    }
}
