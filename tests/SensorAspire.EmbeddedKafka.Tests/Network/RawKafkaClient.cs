using System.Buffers.Binary;
using System.Net.Sockets;
using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Tests.Network;

/// <summary>A minimal client over the broker's own generated codecs, for requests no real client will send (malformed, raw batches).</summary>
internal sealed class RawKafkaClient : IAsyncDisposable
{
    private readonly TcpClient _tcp = new();
    private NetworkStream? _stream;
    private int _correlationId;

    private NetworkStream Stream => _stream ?? throw new InvalidOperationException("Not connected.");

    /// <param name="receiveBufferSize">The socket's receive buffer (SO_RCVBUF), set before connecting; null keeps the OS default.</param>
    public static async Task<RawKafkaClient> ConnectAsync(EmbeddedKafkaBroker broker, int? receiveBufferSize = null)
    {
        var client = new RawKafkaClient();
        if (receiveBufferSize is { } size)
        {
            client._tcp.ReceiveBufferSize = size;
        }

        await client._tcp.ConnectAsync("127.0.0.1", broker.Port, TestContext.Current.CancellationToken);
        client._stream = client._tcp.GetStream();
        return client;
    }

    /// <summary>Bytes the broker has sent that this client has not read yet.</summary>
    public int Available => _tcp.Available;

    public async Task<int> SendAsync(short apiKey, short version, IKafkaMessage body)
    {
        var sent = await SendTogetherAsync([(apiKey, version, body)]);
        return sent[0];
    }

    /// <summary>Pipelines several requests in one socket write, so the broker reads them together; returns their correlation ids.</summary>
    public async Task<int[]> SendTogetherAsync(IReadOnlyList<(short ApiKey, short Version, IKafkaMessage Body)> requests)
    {
        using var writer = new KafkaWriter();
        var correlationIds = new int[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            var (apiKey, version, body) = requests[i];
            var start = writer.Position;
            writer.WriteInt32(0);
            var header = new RequestHeader { RequestApiKey = apiKey, RequestApiVersion = version, CorrelationId = ++_correlationId, ClientId = "raw-test" };
            header.Write(writer, ApiMessageCatalog.RequestHeaderVersion(apiKey, version));
            body.Write(writer, version);
            writer.PatchInt32(start, writer.Position - start - 4);
            correlationIds[i] = _correlationId;
        }

        await Stream.WriteAsync(writer.WrittenMemory, TestContext.Current.CancellationToken);
        return correlationIds;
    }

    public async Task SendRawAsync(byte[] bytes) => await Stream.WriteAsync(bytes, TestContext.Current.CancellationToken);

    /// <summary>Reads one response frame; returns its correlation id and a reader positioned at the body.</summary>
    public async Task<(int CorrelationId, KafkaReader Body)> ReceiveAsync(short apiKey, short version)
    {
        var prefix = new byte[4];
        await Stream.ReadExactlyAsync(prefix, TestContext.Current.CancellationToken).AsTask().WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
        var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(prefix)];
        await Stream.ReadExactlyAsync(frame, TestContext.Current.CancellationToken).AsTask().WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
        var reader = new KafkaReader(frame);
        var correlationId = reader.ReadInt32();
        if (ApiMessageCatalog.ResponseHeaderVersion(apiKey, version) >= 1)
        {
            reader.SkipTaggedFields();
        }

        return (correlationId, reader);
    }

    public async Task<TResponse> RoundTripAsync<TResponse>(short apiKey, short version, IKafkaMessage request)
        where TResponse : IKafkaMessage, new()
    {
        var sent = await SendAsync(apiKey, version, request);
        var (correlationId, body) = await ReceiveAsync(apiKey, version);
        Assert.Equal(sent, correlationId);
        var response = new TResponse();
        response.Read(body, version);
        return response;
    }

    /// <summary>Creates <paramref name="topic"/> (auto-create through Metadata) and appends one raw batch to partition 0 with acks=all.</summary>
    public async Task<KafkaErrorCode> ProduceToNewTopicAsync(string topic, byte[] batch)
    {
        await RoundTripAsync<MetadataResponse>(ApiMessageCatalog.Metadata, 12, new MetadataRequest { Topics = [new MetadataRequest.MetadataRequestTopic { Name = topic }], AllowAutoTopicCreation = true });
        var produced = await RoundTripAsync<ProduceResponse>(ApiMessageCatalog.Produce, 9, new ProduceRequest
        {
            Acks = -1,
            TimeoutMs = 5000,
            TopicData = [new ProduceRequest.TopicProduceData { Name = topic, PartitionData = [new ProduceRequest.PartitionProduceData { Index = 0, Records = new RecordSet(batch) }] }],
        });
        return produced.Responses[0].PartitionResponses[0].ErrorCode;
    }

    /// <summary>True when the broker closed the connection (a read returns end of stream or a reset).</summary>
    public async Task<bool> IsClosedByBrokerAsync()
    {
        try
        {
            var buffer = new byte[1];
            var read = await Stream.ReadAsync(buffer, TestContext.Current.CancellationToken).AsTask().WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
            return read == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stream is not null)
        {
            await _stream.DisposeAsync();
        }

        _tcp.Dispose();
    }
}
