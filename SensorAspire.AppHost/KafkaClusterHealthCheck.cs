using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

/// <summary>
/// Healthy once the broker on the resource's port answers a Kafka Metadata request as the cluster this run started, so
/// <c>WaitFor(kafka)</c> releases the services when <em>our</em> broker serves Kafka: not merely when the port accepts
/// connections, and never when another Kafka (a developer's own cluster on 9092) holds the port while ours failed to
/// bind. Metadata v2 is the first version with the cluster id (KIP-78); every broker since Kafka 0.10.1 answers it.
/// </summary>
internal sealed partial class KafkaClusterHealthCheck(EmbeddedKafkaResource broker, ILogger resourceLog, ILogger appHostLog) : IHealthCheck
{
    private const short MetadataKey = 3;
    private const short MetadataVersion = 2;
    private const int CorrelationId = 0x5A5A;

    // A listener that accepts but never answers must make the check fail, not hang it.
    private static readonly TimeSpan s_answerTimeout = TimeSpan.FromSeconds(2);

    private int _foreignClusterReported;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_answerTimeout);
        var port = broker.PrimaryEndpoint.Port;
        string? clusterId;
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(Request(), timeout.Token);

            var size = new byte[4];
            await stream.ReadExactlyAsync(size, timeout.Token);
            var response = new byte[BinaryPrimitives.ReadInt32BigEndian(size)];
            await stream.ReadExactlyAsync(response, timeout.Token);
            clusterId = ClusterIdOf(response);
        }
        catch (Exception ex) when (ex is SocketException or IOException or EndOfStreamException or ArgumentOutOfRangeException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return HealthCheckResult.Unhealthy("the broker does not answer Kafka requests yet", ex);
        }

        if (broker.ClusterId is null || clusterId == broker.ClusterId)
        {
            return HealthCheckResult.Healthy();
        }

        var message = $"port {port} is in use by another process (another Kafka, cluster id {clusterId ?? "none"}), not this run's broker " +
            $"(cluster id {broker.ClusterId}); set {SensorAspire.AppHost.SensorKafka.PortKey} to a free port, or stop it";
        if (Interlocked.Exchange(ref _foreignClusterReported, 1) == 0)
        {
            LogForeignBroker(resourceLog, message);
            LogForeignBroker(appHostLog, message);
        }

        return HealthCheckResult.Unhealthy(message);
    }

    /// <summary>Size, then request header v1 (key, version, correlation id, null client id) and a body asking for no topic.</summary>
    private static byte[] Request()
    {
        var request = new byte[4 + 2 + 2 + 4 + 2 + 4];
        BinaryPrimitives.WriteInt32BigEndian(request, request.Length - 4);
        BinaryPrimitives.WriteInt16BigEndian(request.AsSpan(4), MetadataKey);
        BinaryPrimitives.WriteInt16BigEndian(request.AsSpan(6), MetadataVersion);
        BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(8), CorrelationId);
        BinaryPrimitives.WriteInt16BigEndian(request.AsSpan(12), -1);
        BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(14), 0); // topics: an empty array is "none" from v1 on
        return request;
    }

    /// <summary>
    /// The cluster id of a Metadata v2 response: after the correlation id, the brokers (node id, host, port, rack), then
    /// the nullable cluster id. Null when the answer is not ours to read (another correlation id).
    /// </summary>
    private static string? ClusterIdOf(ReadOnlySpan<byte> response)
    {
        if (BinaryPrimitives.ReadInt32BigEndian(response) != CorrelationId)
        {
            return null;
        }

        var at = 4;
        var brokers = BinaryPrimitives.ReadInt32BigEndian(response[at..]);
        at += 4;
        for (var i = 0; i < brokers; i++)
        {
            at += 4; // node id
            SkipString(response, ref at); // host
            at += 4; // port
            SkipString(response, ref at); // rack
        }

        var length = BinaryPrimitives.ReadInt16BigEndian(response[at..]);
        return length < 0 ? null : Encoding.UTF8.GetString(response.Slice(at + 2, length));
    }

    private static void SkipString(ReadOnlySpan<byte> response, ref int at) =>
        at += 2 + Math.Max((int)BinaryPrimitives.ReadInt16BigEndian(response[at..]), 0);

    [LoggerMessage(Level = LogLevel.Error, Message = "kafka: {Message}")]
    private static partial void LogForeignBroker(ILogger logger, string message);
}
