using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Apis;

/// <summary>One Kafka API. The registry discovers every implementation; see <see cref="ApiRegistry"/>.</summary>
internal interface IApiHandler
{
    short ApiKey { get; }

    short MinVersion { get; }

    short MaxVersion { get; }

    /// <summary>Reads the body and answers it; a null response means "send nothing" (Produce with acks=0).</summary>
    ValueTask<IKafkaMessage?> HandleAsync(RequestContext context, KafkaReader body);
}
