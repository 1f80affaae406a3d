namespace SensorAspire.EmbeddedKafka.Groups;

/// <summary>One protocol a member offers in JoinGroup (for consumers: an assignor name and its subscription bytes).</summary>
internal sealed record GroupProtocol(string Name, byte[] Metadata);
