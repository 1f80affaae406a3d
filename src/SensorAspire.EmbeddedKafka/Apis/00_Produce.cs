// Produce (key 0), versions 3-10.
//
// Behaviour:
// - Acks -1, 0 or 1; anything else is INVALID_REQUIRED_ACKS (21). Acks 0 gets no response at all. On a single node
//   acks=all has nobody to wait for, so all three append and answer the same way.
// - Records are RecordBatch v2 stored as received: magic 2, CRC-32C and lengths validated (CORRUPT_MESSAGE 2 /
//   INVALID_RECORD 87), then only baseOffset and partitionLeaderEpoch are rewritten (both outside the CRC), so every
//   compression codec and all headers pass through untouched.
// - Idempotent batches (producerId >= 0) are checked per (producer, partition): in order appends; a retry of one of
//   the last five batches is not stored again and answers with its original offset; a gap is
//   OUT_OF_ORDER_SEQUENCE_NUMBER (45); an older epoch INVALID_PRODUCER_EPOCH (47).
// - Unknown topic or partition: UNKNOWN_TOPIC_OR_PARTITION (3); Produce never auto-creates (Metadata does).
// - With a data directory each batch is written to its segment file (to the OS; fsynced too with SyncWrites) before
//   the response; a failed write is KAFKA_STORAGE_ERROR (56). LogStartOffset in the answer follows retention.
// - Min version 3 = record batch v2 only (kfake does the same); 3 and 7 must be in range for librdkafka 2.0.2 gates.
// - A zstd batch below v7 is UNSUPPORTED_COMPRESSION_TYPE (76) for its partition, nothing stored: zstd came with
//   Produce v7 (KIP-110), and Kafka refuses it below that (ProduceRequest.validateRecords), after the topic checks.
//
// Not implemented: transactions (a TransactionalId is rejected with TRANSACTIONAL_ID_AUTHORIZATION_FAILED 53),
// LogAppendTime topics, max.message.bytes enforcement, the v10 CurrentLeader/NodeEndpoints tags (only sent with
// NOT_LEADER errors, which a single node never returns).

using SensorAspire.EmbeddedKafka.Cluster;
using SensorAspire.EmbeddedKafka.Protocol;
using SensorAspire.EmbeddedKafka.Storage;

namespace SensorAspire.EmbeddedKafka.Apis;

internal sealed class ProduceApi(BrokerState broker) : ApiHandler<ProduceRequest, ProduceResponse>(ApiMessageCatalog.Produce, 3, 10)
{
    /// <summary>The first Produce version that may carry zstd batches (KIP-110).</summary>
    private const short FirstZstdVersion = 7;

    protected override ValueTask<ProduceResponse?> HandleAsync(RequestContext context, ProduceRequest request)
    {
        var validAcks = request.Acks is -1 or 0 or 1;
        var response = new ProduceResponse();
        foreach (var topicData in request.TopicData)
        {
            var topicResponse = new ProduceResponse.TopicProduceResponse { Name = topicData.Name };
            response.Responses.Add(topicResponse);
            var topic = broker.Topics.Find(topicData.Name);
            foreach (var partitionData in topicData.PartitionData)
            {
                var partition = topic?.Partition(partitionData.Index);
                var (error, baseOffset) =
                    !validAcks ? (KafkaErrorCode.InvalidRequiredAcks, -1L)
                    : request.TransactionalId is not null ? (KafkaErrorCode.TransactionalIdAuthorizationFailed, -1L)
                    : partition is null ? (KafkaErrorCode.UnknownTopicOrPartition, -1L)
                    : partitionData.Records is null ? (KafkaErrorCode.InvalidRecord, -1L)
                    : context.ApiVersion < FirstZstdVersion && HasZstd(partitionData.Records) ? (KafkaErrorCode.UnsupportedCompressionType, -1L)
                    : partition.Append(partitionData.Records.ToMemory().Span);
                topicResponse.PartitionResponses.Add(new ProduceResponse.PartitionProduceResponse
                {
                    Index = partitionData.Index,
                    ErrorCode = error,
                    BaseOffset = baseOffset,
                    LogStartOffset = partition?.LogStartOffset ?? -1,
                });
            }
        }

        return new(request.Acks == 0 ? null : response);
    }

    private static bool HasZstd(RecordSet records)
    {
        var bytes = records.ToMemory().Span;
        return RecordBatch.LengthBefore(bytes, BatchCompression.Zstd) < bytes.Length;
    }
}
