using System.Net.ServerSentEvents;
using System.Text.Json;
using SensorAspire.Contracts;

namespace SensorAspire.Benchmarks.Chart;

/// <summary>One browser-like SSE client: reads window events and records how late each arrived.</summary>
/// <param name="http">Client whose base address is the chart.</param>
/// <param name="sentAt">Reads, from an event's JSON, the time the lag is measured from.</param>
internal sealed class SseBenchClient(HttpClient http, Func<ReadOnlySpan<byte>, DateTimeOffset> sentAt)
{
    /// <summary>The window's <c>publishedAt</c>, read without deserializing the window (1,000 clients share 2 cores with the server).</summary>
    public static DateTimeOffset PublishedAt(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
            {
                continue;
            }

            if (reader.ValueTextEquals("publishedAt"u8))
            {
                reader.Read();
                return reader.GetDateTimeOffset();
            }

            reader.Read();
            reader.Skip();
        }

        throw new InvalidDataException("A window event without publishedAt.");
    }

    /// <summary>
    /// The window of an SSE event's data: the data itself for a <c>window</c> event, its <c>window</c> property for a
    /// <c>traced-window</c> event (a sampled update: <c>{"traceparent":"…","window":…}</c>, ChartEndpoints).
    /// </summary>
    public static ReadOnlySpan<byte> WindowOf(string eventType, ReadOnlySpan<byte> data)
    {
        if (eventType != "traced-window")
        {
            return data;
        }

        var reader = new Utf8JsonReader(data);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("window"u8))
            {
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                return data[start..(int)reader.BytesConsumed];
            }
        }

        throw new InvalidDataException("A traced-window event without its window.");
    }

    /// <summary>The timestamp of the window's newest reading.</summary>
    public static DateTimeOffset NewestReading(ReadOnlySpan<byte> json)
        => JsonSerializer.Deserialize(json, ContractsJsonContext.Default.WindowUpdated)!.Points[^1].Timestamp;

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
            var parser = SseParser.Create(body, (eventType, data) => sentAt(WindowOf(eventType, data)));
            await foreach (var item in parser.EnumerateAsync(cancellationToken))
            {
                var received = DateTimeOffset.UtcNow;
                if (++Events >= snapshotSize)
                {
                    _snapshotReceived.TrySetResult();
                }

                if (Recording)
                {
                    Lag.Add((received - item.Data).TotalMilliseconds);
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
