using System.Text.Json;
using System.Text.Json.Serialization;

namespace SensorAspire.Chart.Streaming;

/// <summary>Source-generated JSON for the chart's own responses (the window messages use ContractsJsonContext).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ChartPageSettings))]
internal sealed partial class ChartJsonContext : JsonSerializerContext;
