using Microsoft.Extensions.DependencyInjection;
using SensorAspire.Chart.Windows;
using SensorAspire.Contracts;

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
        var cancellationToken = TestContext.Current.CancellationToken;
        var snapshot = hub.Snapshot();
        while (!condition(snapshot))
        {
            await feed.WaitAsync(cancellationToken).AsTask().WaitAsync(Timeout, cancellationToken);
            while (feed.TryTake(out _))
            {
            }

            snapshot = hub.Snapshot();
        }

        return snapshot;
    }
}
