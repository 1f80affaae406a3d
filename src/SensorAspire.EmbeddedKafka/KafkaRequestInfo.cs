namespace SensorAspire.EmbeddedKafka;

/// <summary>One request as the broker received it, for tests that assert on what a client sent.</summary>
public readonly record struct KafkaRequestInfo(short ApiKey, short ApiVersion, string? ClientId);
