// InitProducerId (key 22), versions 0-4.
//
// Behaviour:
// - Without a TransactionalId: a fresh positive ProducerId (a counter) with epoch 0. v3+ with an existing id and epoch
//   (KIP-360 epoch bump after an error): the same id with epoch + 1. Produce then checks sequences per partition.
// - Having this API at all (including version 0) is librdkafka's gate for enable.idempotence=true.
//
// Not implemented: transactional ids (TRANSACTIONAL_ID_AUTHORIZATION_FAILED 53); producer id expiry.

using SensorAspire.EmbeddedKafka.Cluster;
using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Apis;

internal sealed class InitProducerIdApi(BrokerState broker) : ApiHandler<InitProducerIdRequest, InitProducerIdResponse>(ApiMessageCatalog.InitProducerId, 0, 4)
{
    protected override ValueTask<InitProducerIdResponse?> HandleAsync(RequestContext context, InitProducerIdRequest request)
    {
        if (request.TransactionalId is not null)
        {
            return new(new InitProducerIdResponse { ErrorCode = KafkaErrorCode.TransactionalIdAuthorizationFailed, ProducerId = -1, ProducerEpoch = -1 });
        }

        var bump = request.ProducerId >= 0 && request.ProducerEpoch >= 0 && request.ProducerEpoch < short.MaxValue;
        return new(new InitProducerIdResponse
        {
            ProducerId = bump ? request.ProducerId : broker.NextProducerId(),
            ProducerEpoch = bump ? (short)(request.ProducerEpoch + 1) : (short)0,
        });
    }
}
