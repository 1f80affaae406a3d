// Fetch (key 1), versions 4-12.
//
// Behaviour:
// - Per partition: whole stored batches starting with the batch that CONTAINS the fetch offset (it may start before
//   it; clients skip the records below their position), in order, up to PartitionMaxBytes and the response MaxBytes,
//   but always at least one batch for the first partition with data, even an oversized one (KIP-74). The response
//   MaxBytes is capped by EmbeddedKafkaOptions.FetchMaxBytes (Kafka's fetch.max.bytes, 55 MiB), however large the request's.
// - HighWatermark = LastStableOffset = log end offset (exact, clients detect end of partition with it);
//   LogStartOffset = first retained offset; AbortedTransactions empty; PreferredReadReplica -1; Records empty, never null.
// - Fetch offset beyond the end or before the start: OFFSET_OUT_OF_RANGE (1); unknown topic or partition: 3.
//   CurrentLeaderEpoch (v9+) above ours (0): UNKNOWN_LEADER_EPOCH (75).
// - Long-poll: when fewer than MinBytes are available and no partition has an error, the request parks on every
//   requested partition and is woken by the next append to any of them (no sleep loop), or answers at MaxWaitMs,
//   on topic deletion, or when the broker stops. Only this connection waits; others go on.
// - Fetch sessions (v7+): always "no session": SessionId 0, ForgottenTopicsData ignored (librdkafka sends session 0).
// - zstd before v10 (KIP-110: zstd came with Fetch v10; a client that cannot send v10 cannot decompress it either):
//   a topic whose compression.type is zstd answers UNSUPPORTED_COMPRESSION_TYPE (76) for every partition, as Kafka does
//   (KafkaApis.maybeConvertFetchedData checks the topic config). A topic where producers chose zstd themselves
//   (compression.type producer) answers the batches before the first zstd one, and 76 when that is the first batch:
//   the KIP's rule for data that "uses zstd implicitly". Kafka's code returns such batches and the old client then
//   fails to decompress them, so this is stricter than Kafka, never more lenient.
//
// Not implemented: v13+ (topic ids in Fetch), read_committed filtering (no transactions), rack-aware replicas.

using SensorAspire.EmbeddedKafka.Cluster;
using SensorAspire.EmbeddedKafka.Protocol;
using SensorAspire.EmbeddedKafka.Storage;

namespace SensorAspire.EmbeddedKafka.Apis;

internal sealed class FetchApi(BrokerState broker) : ApiHandler<FetchRequest, FetchResponse>(ApiMessageCatalog.Fetch, 4, 12)
{
    /// <summary>The first Fetch version whose clients can read zstd batches (KIP-110).</summary>
    private const short FirstZstdVersion = 10;

    private const string CompressionTypeKey = "compression.type";

    protected override ValueTask<FetchResponse?> HandleAsync(RequestContext context, FetchRequest request)
    {
        var marks = Marks(request);
        var (response, bytes, hasError) = Build(request, context.ApiVersion);
        if (hasError || bytes >= Math.Max(1, request.MinBytes) || request.MaxWaitMs <= 0 || context.Aborted.IsCancellationRequested)
        {
            return new(response);
        }

        return LongPollAsync(context, request, marks);
    }

    /// <summary>
    /// Parks until a partition grows past its mark, then answers if MinBytes is met (or MaxWait is over).
    /// Marks are taken before each Build, so an append racing with the Build wakes the next wait instead of being
    /// missed, and data that is there but short of MinBytes does not make the loop spin.
    /// </summary>
    private async ValueTask<FetchResponse?> LongPollAsync(RequestContext context, FetchRequest request, List<(PartitionLog? Partition, long Mark)> marks)
    {
        var deadline = Environment.TickCount64 + request.MaxWaitMs;
        while (true)
        {
            var waiter = new FetchWaiter();
            var parked = new List<PartitionLog>(marks.Count);
            var grown = false;
            foreach (var (partition, mark) in marks)
            {
                // A partition that vanished since the first look (topic deleted) must be answered now, not at MaxWait.
                if (partition is not null && partition.AddWaiter(waiter, mark))
                {
                    parked.Add(partition);
                }
                else
                {
                    grown = true;
                }
            }

            var remaining = deadline - Environment.TickCount64;
            if (!grown && remaining > 0)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.Aborted);
                timeout.CancelAfter(TimeSpan.FromMilliseconds(remaining));
                await using (timeout.Token.UnsafeRegister(static w => ((FetchWaiter)w!).Wake(), waiter))
                {
                    await waiter.Task;
                }
            }

            foreach (var partition in parked)
            {
                partition.RemoveWaiter(waiter);
            }

            marks = Marks(request);
            var (response, bytes, hasError) = Build(request, context.ApiVersion);
            if (hasError || bytes >= Math.Max(1, request.MinBytes) || Environment.TickCount64 >= deadline || context.Aborted.IsCancellationRequested)
            {
                return response;
            }
        }
    }

    /// <summary>Per requested partition, the log end it must pass to be worth another look (at least the fetch offset).</summary>
    private List<(PartitionLog? Partition, long Mark)> Marks(FetchRequest request)
    {
        var marks = new List<(PartitionLog?, long)>();
        foreach (var topicRequest in request.Topics)
        {
            var topic = broker.Topics.Find(topicRequest.Topic);
            foreach (var partitionRequest in topicRequest.Partitions)
            {
                var partition = topic?.Partition(partitionRequest.Partition);
                marks.Add((partition, Math.Max(partitionRequest.FetchOffset, partition?.HighWatermark ?? 0)));
            }
        }

        return marks;
    }

    private (FetchResponse Response, int Bytes, bool HasError) Build(FetchRequest request, short version)
    {
        var response = new FetchResponse();
        var total = 0;
        var hasError = false;
        // The broker's own cap (Kafka's fetch.max.bytes) bounds what one request can make it copy: a request naming a
        // full partition a thousand times with MaxBytes int.MaxValue would otherwise build a response of gigabytes.
        var maxBytes = Math.Min(request.MaxBytes > 0 ? request.MaxBytes : int.MaxValue, broker.Options.FetchMaxBytes);
        foreach (var topicRequest in request.Topics)
        {
            var topic = broker.Topics.Find(topicRequest.Topic);
            var topicResponse = new FetchResponse.FetchableTopicResponse { Topic = topicRequest.Topic };
            response.Responses.Add(topicResponse);
            foreach (var partitionRequest in topicRequest.Partitions)
            {
                var partition = topic?.Partition(partitionRequest.Partition);
                var data = new FetchResponse.PartitionData { PartitionIndex = partitionRequest.Partition, Records = RecordSet.Empty };
                topicResponse.Partitions.Add(data);
                if (partition is null)
                {
                    data.ErrorCode = KafkaErrorCode.UnknownTopicOrPartition;
                    data.HighWatermark = data.LastStableOffset = data.LogStartOffset = -1;
                    hasError = true;
                    continue;
                }

                if (version < FirstZstdVersion && topic!.Configs.GetValueOrDefault(CompressionTypeKey) == "zstd")
                {
                    Refuse(data, KafkaErrorCode.UnsupportedCompressionType);
                    hasError = true;
                    continue;
                }

                var highWatermark = partition.HighWatermark;
                data.HighWatermark = data.LastStableOffset = highWatermark;
                data.LogStartOffset = partition.LogStartOffset;
                if (partitionRequest.CurrentLeaderEpoch > PartitionLog.LeaderEpoch)
                {
                    data.ErrorCode = KafkaErrorCode.UnknownLeaderEpoch;
                    hasError = true;
                    continue;
                }

                if (partitionRequest.FetchOffset == highWatermark)
                {
                    continue;
                }

                var slices = new List<ReadOnlyMemory<byte>>(1);
                var limit = Math.Min(partitionRequest.PartitionMaxBytes, maxBytes - total);
                var (error, bytes) = partition.Read(partitionRequest.FetchOffset, Math.Max(0, limit), atLeastOne: total == 0, slices);
                if (error == KafkaErrorCode.None && version < FirstZstdVersion)
                {
                    (error, bytes) = CutBeforeZstd(slices, bytes);
                }

                if (error == KafkaErrorCode.UnsupportedCompressionType)
                {
                    Refuse(data, error);
                }

                if (error != KafkaErrorCode.None)
                {
                    data.ErrorCode = error;
                    hasError = true;
                    continue;
                }

                data.HighWatermark = data.LastStableOffset = Math.Max(highWatermark, partition.HighWatermark);
                data.Records = slices.Count switch
                {
                    0 => RecordSet.Empty,
                    1 => new RecordSet(slices[0]),
                    _ => new RecordSet(slices),
                };
                total += bytes;
            }
        }

        return (response, total, hasError);
    }

    /// <summary>
    /// Keeps the batches before the first zstd one. When the very first batch is zstd there is nothing this client can
    /// read: UNSUPPORTED_COMPRESSION_TYPE.
    /// </summary>
    private static (KafkaErrorCode Error, int Bytes) CutBeforeZstd(List<ReadOnlyMemory<byte>> slices, int bytes)
    {
        var kept = 0;
        for (var i = 0; i < slices.Count; i++)
        {
            var length = RecordBatch.LengthBefore(slices[i].Span, BatchCompression.Zstd);
            kept += length;
            if (length == slices[i].Length)
            {
                continue;
            }

            // Slices hold whole batches: keep this one's prefix (if any) and drop everything after it.
            slices.RemoveRange(i + 1, slices.Count - i - 1);
            if (length > 0)
            {
                slices[i] = slices[i][..length];
            }
            else
            {
                slices.RemoveAt(i);
            }

            return kept == 0 ? (KafkaErrorCode.UnsupportedCompressionType, 0) : (KafkaErrorCode.None, kept);
        }

        return (KafkaErrorCode.None, bytes);
    }

    /// <summary>Kafka's <c>FetchResponse.partitionResponse</c>: the error, high watermark -1, no records.</summary>
    private static void Refuse(FetchResponse.PartitionData data, KafkaErrorCode error)
    {
        data.ErrorCode = error;
        data.HighWatermark = data.LastStableOffset = data.LogStartOffset = -1;
        data.Records = RecordSet.Empty;
    }
}
