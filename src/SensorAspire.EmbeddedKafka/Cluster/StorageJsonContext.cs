using System.Text.Json.Serialization;
using SensorAspire.EmbeddedKafka.Groups;

namespace SensorAspire.EmbeddedKafka.Cluster;

/// <summary>Source-generated JSON for the small metadata files of a data directory (topic manifests, the offset journal).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(TopicManifest))]
[JsonSerializable(typeof(OffsetJournalEntry))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
