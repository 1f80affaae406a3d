// FindCoordinator (key 10), versions 0-2.
//
// Behaviour:
// - Single node: we coordinate every group, so KeyType 0 (group) answers our NodeId, advertised host and bound port,
//   the same identity Metadata reports (librdkafka updates its broker table from it).
// - KeyType 1 (transaction) gets COORDINATOR_NOT_AVAILABLE (15): transactions are not implemented and not advertised.
// - Any other key type gets INVALID_REQUEST (42), as Kafka does.
//
// Not implemented: v3 (flexible; librdkafka uses 2), v4+ (batched keys, KIP-699; librdkafka never uses it).

using SensorAspire.EmbeddedKafka.Cluster;
using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Apis;

internal sealed class FindCoordinatorApi(BrokerState broker) : ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse>(ApiMessageCatalog.FindCoordinator, 0, 2)
{
    private const sbyte GroupKeyType = 0;
    private const sbyte TransactionKeyType = 1;

    protected override ValueTask<FindCoordinatorResponse?> HandleAsync(RequestContext context, FindCoordinatorRequest request)
    {
        if (request.KeyType != GroupKeyType)
        {
            var error = request.KeyType == TransactionKeyType ? KafkaErrorCode.CoordinatorNotAvailable : KafkaErrorCode.InvalidRequest;
            return new(new FindCoordinatorResponse { ErrorCode = error, ErrorMessage = null, NodeId = -1, Host = "", Port = -1 });
        }

        return new(new FindCoordinatorResponse
        {
            ErrorCode = KafkaErrorCode.None,
            ErrorMessage = null,
            NodeId = BrokerState.NodeId,
            Host = broker.AdvertisedHost,
            Port = broker.Port,
        });
    }
}
