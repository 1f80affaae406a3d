using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Tests.Network;

/// <summary>Where a <see cref="FaultyProxy"/> cuts a connection, relative to one Produce request.</summary>
internal enum ProxyCut
{
    /// <summary>The request never reaches the broker.</summary>
    BeforeRequest,

    /// <summary>Half the request's bytes reach the broker, then the connection drops (a truncated frame).</summary>
    MidRequest,

    /// <summary>The broker handles the request, its response is dropped: the client retries a batch already appended.</summary>
    AfterRequestDropResponse,
}

/// <summary>
/// A TCP proxy the test controls, between Kafka clients and the broker. It forwards whole frames and cuts the
/// connection at deterministic points: at the Nth Produce request it sees (counted over all connections), in the way
/// <see cref="ProxyCut"/> says. Start the broker with <see cref="EmbeddedKafkaOptions.AdvertisedPort"/> = <see cref="Port"/>
/// so that Metadata sends clients back through the proxy.
/// </summary>
internal sealed class FaultyProxy : IAsyncDisposable
{
    private const short ProduceApiKey = 0;
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<int, ProxyCut> _cuts;
    private readonly ConcurrentBag<Task> _pumps = [];
    private readonly ConcurrentQueue<ProducedBatch> _forwarded = new();
    private readonly ConcurrentQueue<ProducedBatch> _unacknowledged = new();
    private Task? _acceptLoop;
    private int _produceRequests;
    private int _cutsDone;
    private int _connections;

    /// <param name="cuts">Produce request ordinal (1-based, over all connections) to the cut made there.</param>
    public FaultyProxy(Dictionary<int, ProxyCut> cuts)
    {
        _cuts = cuts;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
    }

    public int Port { get; }

    /// <summary>Cuts made so far; the test asserts all of them happened.</summary>
    public int CutsDone => Volatile.Read(ref _cutsDone);

    /// <summary>Client connections accepted so far (each cut makes the client open a new one).</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Every batch of every Produce request that reached the broker whole, in order.</summary>
    public IReadOnlyList<ProducedBatch> Forwarded => [.. _forwarded];

    /// <summary>Batches the broker received whose response the proxy dropped: the producer must send them again.</summary>
    public IReadOnlyList<ProducedBatch> Unacknowledged => [.. _unacknowledged];

    public void Start(int brokerPort) => _acceptLoop = AcceptLoopAsync(brokerPort);

    private async Task AcceptLoopAsync(int brokerPort)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            _pumps.Add(RelayAsync(client, brokerPort));
        }
    }

    private async Task RelayAsync(Socket client, int brokerPort)
    {
        using var broker = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        client.NoDelay = true;
        var dropResponses = new ConcurrentDictionary<int, bool>();
        Task[] pumps = [];
        try
        {
            await broker.ConnectAsync(IPAddress.Loopback, brokerPort, connection.Token);
            pumps = [PumpRequestsAsync(client, broker, dropResponses, connection.Token), PumpResponsesAsync(broker, client, dropResponses, connection.Token)];
            await Task.WhenAny(pumps);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException)
        {
        }

        // Reset both sides so each sees the cut at once, like a network failure; then let both pumps finish.
        await connection.CancelAsync();
        client.LingerState = new LingerOption(true, 0);
        client.Dispose();
        broker.LingerState = new LingerOption(true, 0);
        broker.Dispose();
        foreach (var pump in pumps)
        {
            try
            {
                await pump;
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task PumpRequestsAsync(Socket from, Socket to, ConcurrentDictionary<int, bool> dropResponses, CancellationToken cancellationToken)
    {
        while (await ReadFrameAsync(from, cancellationToken) is { } frame)
        {
            var apiKey = BinaryPrimitives.ReadInt16BigEndian(frame.AsSpan(4));
            var cut = apiKey == ProduceApiKey && _cuts.TryGetValue(Interlocked.Increment(ref _produceRequests), out var c) ? c : (ProxyCut?)null;
            switch (cut)
            {
                case ProxyCut.BeforeRequest:
                    Interlocked.Increment(ref _cutsDone);
                    return;
                case ProxyCut.MidRequest:
                    await to.SendAsync(frame.AsMemory(0, frame.Length / 2), cancellationToken);
                    Interlocked.Increment(ref _cutsDone);
                    return;
                case ProxyCut.AfterRequestDropResponse:
                    dropResponses[BinaryPrimitives.ReadInt32BigEndian(frame.AsSpan(8))] = true;
                    foreach (var batch in Batches(frame))
                    {
                        _unacknowledged.Enqueue(batch);
                    }

                    break;
            }

            if (apiKey == ProduceApiKey)
            {
                foreach (var batch in Batches(frame))
                {
                    _forwarded.Enqueue(batch);
                }
            }

            await to.SendAsync(frame, cancellationToken);
        }
    }

    private async Task PumpResponsesAsync(Socket from, Socket to, ConcurrentDictionary<int, bool> dropResponses, CancellationToken cancellationToken)
    {
        while (await ReadFrameAsync(from, cancellationToken) is { } frame)
        {
            if (dropResponses.TryRemove(BinaryPrimitives.ReadInt32BigEndian(frame.AsSpan(4)), out _))
            {
                Interlocked.Increment(ref _cutsDone);
                return;
            }

            await to.SendAsync(frame, cancellationToken);
        }
    }

    /// <summary>The batches of a Produce request frame, decoded with the broker's own codecs.</summary>
    private static IEnumerable<ProducedBatch> Batches(byte[] frame)
    {
        var version = BinaryPrimitives.ReadInt16BigEndian(frame.AsSpan(6));
        var reader = new KafkaReader(frame.AsMemory(4));
        new RequestHeader().Read(reader, ApiMessageCatalog.RequestHeaderVersion(ProduceApiKey, version));
        var request = new ProduceRequest();
        request.Read(reader, version);
        var batches = new List<ProducedBatch>();
        foreach (var topic in request.TopicData)
        {
            foreach (var partition in topic.PartitionData)
            {
                var records = partition.Records!.ToMemory().Span;
                batches.Add(new ProducedBatch(partition.Index, BinaryPrimitives.ReadInt64BigEndian(records[43..]), BinaryPrimitives.ReadInt32BigEndian(records[53..])));
            }
        }

        return batches;
    }

    /// <summary>One whole frame including its size prefix, or null at end of stream.</summary>
    private static async Task<byte[]?> ReadFrameAsync(Socket socket, CancellationToken cancellationToken)
    {
        var prefix = new byte[4];
        if (!await ReadExactlyAsync(socket, prefix, cancellationToken))
        {
            return null;
        }

        var frame = new byte[4 + BinaryPrimitives.ReadInt32BigEndian(prefix)];
        prefix.CopyTo(frame, 0);
        return await ReadExactlyAsync(socket, frame.AsMemory(4), cancellationToken) ? frame : null;
    }

    private static async Task<bool> ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (buffer.Length > 0)
        {
            var read = await socket.ReceiveAsync(buffer, cancellationToken);
            if (read == 0)
            {
                return false;
            }

            buffer = buffer[read..];
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop;
        }

        await Task.WhenAll(_pumps);
        _stop.Dispose();
    }
}

/// <summary>A batch as the producer sent it: partition, producer id and the sequence of its first record.</summary>
internal readonly record struct ProducedBatch(int Partition, long ProducerId, int BaseSequence);
