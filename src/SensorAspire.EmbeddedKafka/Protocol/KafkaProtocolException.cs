namespace SensorAspire.EmbeddedKafka.Protocol;

/// <summary>A request that does not follow the wire format; the connection that sent it is closed.</summary>
public sealed class KafkaProtocolException(string message) : Exception(message);
