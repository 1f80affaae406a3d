using System.Net.ServerSentEvents;
using System.Text.Json;
using SensorAspire.Contracts;

namespace SensorAspire.Benchmarks.Chart;

/// <summary>One browser-like SSE client: reads window events and records how late each arrived.</summary>
internal sealed class SseBenchClient(HttpClient http, Func<WindowUpdated, DateTimeOffset> sentAt)
{
    private readonly TaskCompletionSource _snapshotReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LatencySamples Lag { get; } = new();

    public bool Recording { get; set; }

    public long Events { get; private set; }

    public Task SnapshotReceived => _snapshotReceived.Task;

    /// <summary>Reads until cancelled; the first <paramref name="snapshotSize"/> events are the stream's initial windows.</summary>
    public async Task RunAsync(int snapshotSize, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync("api/windows/stream", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var parser = SseParser.Create(body, static (_, data) => JsonSerializer.Deserialize(data, ContractsJsonContext.Default.WindowUpdated)!);
            await foreach (var item in parser.EnumerateAsync(cancellationToken))
            {
                var received = DateTimeOffset.UtcNow;
                if (++Events >= snapshotSize)
                {
                    _snapshotReceived.TrySetResult();
                }

                if (Recording)
                {
                    Lag.Add((received - sentAt(item.Data)).TotalMilliseconds);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            _snapshotReceived.TrySetException(ex);
            throw;
        }
    }
}
