using Microsoft.Extensions.DependencyInjection;
using SensorAspire.Chart.Windows;
using SensorAspire.Contracts;

namespace SensorAspire.Chart.Tests;

internal static class ChartAppExtensions
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>Waits, on the store's own change notifications, until the chart's windows satisfy <paramref name="condition"/>.</summary>
    public static async Task<IReadOnlyList<WindowUpdated>> WaitForWindowsAsync(
        this ChartApp app, Func<IReadOnlyList<WindowUpdated>, bool> condition)
    {
        var store = app.Services.GetRequiredService<WindowStore>();
        using var feed = store.Subscribe();
        var cancellationToken = TestContext.Current.CancellationToken;
        var snapshot = store.Snapshot();
        while (!condition(snapshot))
        {
            await feed.WaitAsync(cancellationToken).AsTask().WaitAsync(Timeout, cancellationToken);
            while (feed.TryTake(out _))
            {
            }

            snapshot = store.Snapshot();
        }

        return snapshot;
    }
}
