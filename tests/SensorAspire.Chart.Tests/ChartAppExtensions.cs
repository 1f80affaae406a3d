using Microsoft.Extensions.DependencyInjection;
using SensorAspire.Chart.Windows;
using SensorAspire.Contracts;
using SensorAspire.Testing;

namespace SensorAspire.Chart.Tests;

internal static class ChartAppExtensions
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>Waits, on the hub's own change notifications, until the chart's windows satisfy <paramref name="condition"/>.</summary>
    public static async Task<IReadOnlyList<WindowUpdated>> WaitForWindowsAsync(
        this ChartApp app, Func<IReadOnlyList<WindowUpdated>, bool> condition)
    {
        var hub = app.Services.GetRequiredService<LiveWindowHub>();
        using var feed = hub.Subscribe();
        return await Wait.ForAsync(
            () => hub.Snapshot() is var snapshot && condition(snapshot) ? snapshot : null,
            async ct =>
            {
                await feed.WaitAsync(ct);
                while (feed.TryTake(out _))
                {
                }
            },
            "the chart's windows to match", Timeout);
    }
}
