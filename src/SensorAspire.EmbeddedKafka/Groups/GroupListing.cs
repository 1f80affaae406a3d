namespace SensorAspire.EmbeddedKafka.Groups;

/// <summary>A ListGroups entry. Every group here is a classic group; ProtocolType is "" for offset-only groups.</summary>
internal sealed record GroupListing(string GroupId, string ProtocolType, string State, string Type);
