// DeleteTopics (key 20), versions 0-4.
//
// Behaviour:
// - Removes the topic and its data at once, wakes Fetches parked on it, and raises TopicRegistry.TopicDeleted so
//   state kept elsewhere (committed group offsets) is dropped too, as Kafka does. Unknown name:
//   UNKNOWN_TOPIC_OR_PARTITION (3). A topic created again with the same name gets a new TopicId.
// - With a data directory the topic's folder (manifest first, then segment files) is deleted before the answer.
//
// Not implemented: v5 (error messages) and v6+ (delete by topic id).

using SensorAspire.EmbeddedKafka.Cluster;
using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Apis;

internal sealed class DeleteTopicsApi(BrokerState broker) : ApiHandler<DeleteTopicsRequest, DeleteTopicsResponse>(ApiMessageCatalog.DeleteTopics, 0, 4)
{
    protected override ValueTask<DeleteTopicsResponse?> HandleAsync(RequestContext context, DeleteTopicsRequest request)
    {
        var response = new DeleteTopicsResponse();
        foreach (var name in request.TopicNames)
        {
            response.Responses.Add(new DeleteTopicsResponse.DeletableTopicResult
            {
                Name = name,
                ErrorCode = broker.Topics.TryDelete(name, out _) ? KafkaErrorCode.None : KafkaErrorCode.UnknownTopicOrPartition,
            });
        }

        return new(response);
    }
}
