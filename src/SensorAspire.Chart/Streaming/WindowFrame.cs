using System.Text.Json;
using SensorAspire.Contracts;

namespace SensorAspire.Chart.Streaming;

/// <summary>A window together with its JSON, serialized once per update however many clients receive it.</summary>
public sealed record WindowFrame(WindowUpdated Window, string Json)
{
    public string SensorId => Window.SensorId;

    public static WindowFrame Of(WindowUpdated window)
        => new(window, JsonSerializer.Serialize(window, ContractsJsonContext.Default.WindowUpdated));
}
