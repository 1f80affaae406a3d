using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Apis;

/// <summary>One Kafka API as the connection sees it; implemented once, by <see cref="ApiHandler{TRequest, TResponse}"/>.</summary>
internal interface IApiHandler
{
    short ApiKey { get; }

    short MinVersion { get; }

    short MaxVersion { get; }

    /// <summary>Reads the body and answers it; a null response means "send nothing" (Produce with acks=0).</summary>
    ValueTask<IKafkaMessage?> HandleAsync(RequestContext context, KafkaReader body);
}
