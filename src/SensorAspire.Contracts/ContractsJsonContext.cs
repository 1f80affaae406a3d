using System.Text.Json;
using System.Text.Json.Serialization;

namespace SensorAspire.Contracts;

/// <summary>Source-generated JSON for every message on our topics (camelCase, no reflection).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SensorReading))]
[JsonSerializable(typeof(WindowUpdated))]
[JsonSerializable(typeof(IReadOnlyList<WindowUpdated>))]
public sealed partial class ContractsJsonContext : JsonSerializerContext;
