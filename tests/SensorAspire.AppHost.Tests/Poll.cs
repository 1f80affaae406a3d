namespace SensorAspire.AppHost.Tests;

internal static class Poll
{
    /// <summary>
    /// Reads <paramref name="read"/> until <paramref name="done"/> holds or <paramref name="timeout"/> passes, and returns the
    /// value that satisfied it. For state only reachable by asking (an HTTP API), not as a substitute for an event.
    /// </summary>
    public static async Task<T> UntilAsync<T>(Func<CancellationToken, Task<T>> read, Func<T, bool> done, TimeSpan timeout, string what)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        using var ticks = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        T last = default!;
        try
        {
            do
            {
                last = await read(deadline.Token);
                if (done(last))
                {
                    return last;
                }
            }
            while (await ticks.WaitForNextTickAsync(deadline.Token));
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
        }

        throw new TimeoutException($"Waited {timeout} for {what}; last value: {last}");
    }
}
