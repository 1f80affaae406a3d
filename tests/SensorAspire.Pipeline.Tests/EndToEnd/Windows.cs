using System.Text.Json;
using Confluent.Kafka;
using SensorAspire.Contracts;

namespace SensorAspire.Pipeline.Tests.EndToEnd;

/// <summary>Reading window updates off the windows topic.</summary>
internal static class Windows
{
    public static WindowUpdated Parse(ConsumeResult<string, byte[]> result)
        => JsonSerializer.Deserialize(result.Message.Value, ContractsJsonContext.Default.WindowUpdated)!;

    /// <summary>The newest update per sensor (a sensor's updates share a partition, so arrival order is publish order).</summary>
    public static Dictionary<string, WindowUpdated> Latest(IEnumerable<ConsumeResult<string, byte[]>> results)
    {
        var latest = new Dictionary<string, WindowUpdated>();
        foreach (var result in results)
        {
            latest[result.Message.Key] = Parse(result);
        }

        return latest;
    }

    /// <summary>The latest windows once every sensor in <paramref name="sensors"/> satisfies <paramref name="done"/>; else null.</summary>
    public static Dictionary<string, WindowUpdated>? When(
        IEnumerable<ConsumeResult<string, byte[]>> results, IReadOnlyCollection<string> sensors, Func<WindowUpdated, bool> done)
    {
        var latest = Latest(results);
        return sensors.All(s => latest.TryGetValue(s, out var w) && done(w)) ? latest : null;
    }
}
