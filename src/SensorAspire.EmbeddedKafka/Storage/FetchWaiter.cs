namespace SensorAspire.EmbeddedKafka.Storage;

/// <summary>A parked Fetch: registered on every partition it reads, completed by the first append to any of them.</summary>
internal sealed class FetchWaiter
{
    private readonly TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Task => _signal.Task;

    public void Wake() => _signal.TrySetResult();
}
