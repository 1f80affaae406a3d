// ListOffsets (key 2), versions 1-7.
//
// Behaviour:
// - Timestamp -1 (latest): the high watermark (read_committed gets the same: no transactions). -2 (earliest): the log
//   start offset (the base of the first segment retention left). -3 (max timestamp, v7): the offset of the batch holding the largest timestamp. Timestamp -1 in the answer.
// - Timestamp >= 0: the first record with timestamp >= it, with that record's timestamp, searched record by record
//   in uncompressed batches; a compressed batch answers with its base offset and max timestamp. None: offset -1.
// - CurrentLeaderEpoch (v4+) above ours: UNKNOWN_LEADER_EPOCH (75). LeaderEpoch in the answer: 0.
// - Unknown topic or partition: 3 (librdkafka treats it as permanent, so it is only sent for topics that do not exist).
//
// Not implemented: v0 (its old-style offsets array); exact by-timestamp positions inside compressed batches.

using SensorAspire.EmbeddedKafka.Cluster;
using SensorAspire.EmbeddedKafka.Protocol;
using SensorAspire.EmbeddedKafka.Storage;

namespace SensorAspire.EmbeddedKafka.Apis;

internal sealed class ListOffsetsApi(BrokerState broker) : ApiHandler<ListOffsetsRequest, ListOffsetsResponse>(ApiMessageCatalog.ListOffsets, 1, 7)
{
    private const long Latest = -1;
    private const long Earliest = -2;
    private const long MaxTimestamp = -3;

    protected override ValueTask<ListOffsetsResponse?> HandleAsync(RequestContext context, ListOffsetsRequest request)
    {
        var response = new ListOffsetsResponse();
        foreach (var topicRequest in request.Topics)
        {
            var topic = broker.Topics.Find(topicRequest.Name);
            var topicResponse = new ListOffsetsResponse.ListOffsetsTopicResponse { Name = topicRequest.Name };
            response.Topics.Add(topicResponse);
            foreach (var partitionRequest in topicRequest.Partitions)
            {
                var answer = new ListOffsetsResponse.ListOffsetsPartitionResponse { PartitionIndex = partitionRequest.PartitionIndex };
                topicResponse.Partitions.Add(answer);
                var partition = topic?.Partition(partitionRequest.PartitionIndex);
                if (partition is null)
                {
                    answer.ErrorCode = KafkaErrorCode.UnknownTopicOrPartition;
                    continue;
                }

                if (partitionRequest.CurrentLeaderEpoch > PartitionLog.LeaderEpoch)
                {
                    answer.ErrorCode = KafkaErrorCode.UnknownLeaderEpoch;
                    continue;
                }

                answer.LeaderEpoch = PartitionLog.LeaderEpoch;
                (answer.Offset, answer.Timestamp) = partitionRequest.Timestamp switch
                {
                    Latest => (partition.HighWatermark, -1L),
                    Earliest => (partition.LogStartOffset, -1L),
                    MaxTimestamp => partition.OffsetOfMaxTimestamp(),
                    _ => partition.OffsetForTimestamp(partitionRequest.Timestamp),
                };
            }
        }

        return new(response);
    }
}
