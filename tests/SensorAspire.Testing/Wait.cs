namespace SensorAspire.Testing;

/// <summary>
/// The one way tests wait for something that happens on another thread or in another process: check, and until the check
/// passes, wait for the next change signal (or, where nothing signals, the next poll tick), all within a bound. Running out of
/// time fails the test with what it was waiting for; cancelling the test cancels the wait. Nothing here sleeps blindly.
/// </summary>
public static class Wait
{
    /// <summary>Generous on purpose: two cores shared by parallel test projects can stall a healthy test for seconds.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(20);
    private static readonly object s_met = new();

    /// <summary>Polls <paramref name="condition"/> until it holds. For state that changes without an event to await.</summary>
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
        => ForAsync(() => condition() ? s_met : null, what, timeout);

    /// <summary>Polls <paramref name="found"/> until it returns a value, and returns that value.</summary>
    public static async Task<T> ForAsync<T>(Func<T?> found, string what, TimeSpan? timeout = null)
        where T : class
    {
        using var tick = new PeriodicTimer(s_pollInterval);
        return await ForAsync(found, ct => tick.WaitForNextTickAsync(ct).AsTask(), what, timeout);
    }

    /// <summary>
    /// Checks <paramref name="found"/>, then waits for <paramref name="changed"/> (a signal raised on every change, such as a
    /// <see cref="SemaphoreSlim"/> released by a consumer thread) before checking again, until it returns a value.
    /// </summary>
    public static Task<T> ForAsync<T>(Func<T?> found, Func<CancellationToken, Task> changed, string what, TimeSpan? timeout = null)
        where T : class
        => RunAsync(_ => Task.FromResult(found()), changed, what, timeout);

    /// <summary>
    /// Polls an asynchronous <paramref name="probe"/> (an HTTP request, an admin call) every <paramref name="interval"/>
    /// until it returns a value. The probe gets the wait's token, so a slow probe cannot outlive the bound.
    /// </summary>
    public static async Task<T> ForAsync<T>(
        Func<CancellationToken, Task<T?>> probe, string what, TimeSpan? timeout = null, TimeSpan? interval = null)
        where T : class
    {
        using var tick = new PeriodicTimer(interval ?? s_pollInterval);
        return await RunAsync(probe, ct => tick.WaitForNextTickAsync(ct).AsTask(), what, timeout);
    }

    private static async Task<T> RunAsync<T>(
        Func<CancellationToken, Task<T?>> probe, Func<CancellationToken, Task> next, string what, TimeSpan? timeout)
        where T : class
    {
        var bound = timeout ?? DefaultTimeout;
        var testCancelled = TestContext.Current.CancellationToken;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(testCancelled);
        deadline.CancelAfter(bound);
        try
        {
            while (true)
            {
                if (await probe(deadline.Token) is { } result)
                {
                    return result;
                }

                await next(deadline.Token);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !testCancelled.IsCancellationRequested)
        {
            throw new TimeoutException($"Waited {bound.TotalSeconds:0.#} s for {what}, in vain.");
        }
    }
}
