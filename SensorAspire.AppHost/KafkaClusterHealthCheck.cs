using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

/// <summary>
/// Healthy once the broker on the resource's port answers a Kafka Metadata request as the cluster this run started, so
/// <c>WaitFor(kafka)</c> releases the services when <em>our</em> broker serves Kafka: not merely when the port accepts
/// connections, and never when another Kafka (a developer's own cluster on 9092) holds the port while ours failed to
/// bind.
/// </summary>
internal sealed class KafkaClusterHealthCheck(EmbeddedKafkaResource broker) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var port = broker.PrimaryEndpoint.Port;
        var answer = await KafkaPortProbe.ProbeAsync(port, cancellationToken);
        return answer switch
        {
            { Listening: false } or { IsKafka: false } => HealthCheckResult.Unhealthy("the broker does not answer Kafka requests yet"),
            _ when broker.ClusterId is null || answer.ClusterId == broker.ClusterId => HealthCheckResult.Healthy(),
            _ => HealthCheckResult.Unhealthy(KafkaPortProbe.PortTakenMessage(port, answer, broker.ClusterId)),
        };
    }
}

/// <summary>
/// Asks whatever listens on a loopback port whether it is a Kafka broker, and of which cluster: a Metadata request
/// (v2, the first version with the cluster id, KIP-78; every broker since Kafka 0.10.1 answers it) for no topic.
/// </summary>
internal static class KafkaPortProbe
{
    private const short MetadataKey = 3;
    private const short MetadataVersion = 2;
    private const int CorrelationId = 0x5A5A;

    // A listener that accepts but never answers must make the probe fail, not hang it.
    private static readonly TimeSpan s_answerTimeout = TimeSpan.FromSeconds(2);

    /// <summary>What answered on the port: nothing, something that is not Kafka, or a broker of cluster <c>ClusterId</c>.</summary>
    public readonly record struct Answer(bool Listening, bool IsKafka, string? ClusterId);

    public static async Task<Answer> ProbeAsync(int port, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_answerTimeout);
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
        }
        catch (Exception ex) when (ex is SocketException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new(Listening: false, IsKafka: false, null);
        }

        try
        {
            var stream = client.GetStream();
            await stream.WriteAsync(Request(), timeout.Token);
            var size = new byte[4];
            await stream.ReadExactlyAsync(size, timeout.Token);
            var response = new byte[BinaryPrimitives.ReadInt32BigEndian(size)];
            await stream.ReadExactlyAsync(response, timeout.Token);
            return BinaryPrimitives.ReadInt32BigEndian(response) == CorrelationId
                ? new(Listening: true, IsKafka: true, ClusterIdOf(response))
                : new(Listening: true, IsKafka: false, null);
        }
        catch (Exception ex) when (ex is SocketException or IOException or EndOfStreamException or ArgumentOutOfRangeException or OverflowException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new(Listening: true, IsKafka: false, null);
        }
    }

    /// <summary>What a user reads when the port is not ours: what holds it, and the two ways out.</summary>
    public static string PortTakenMessage(int port, Answer answer, string? clusterId)
    {
        var holder = answer.IsKafka ? $"another Kafka, cluster id {answer.ClusterId ?? "none"}" : "another Kafka?";
        return $"port {port} is in use by another process ({holder}), not this run's broker (cluster id {clusterId}); " +
            $"set {SensorAspire.AppHost.SensorKafka.PortKey} to a free port, or stop it";
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

    /// <summary>The cluster id of a Metadata v2 response: after the correlation id, the brokers (node id, host, port, rack), then the nullable cluster id.</summary>
    private static string? ClusterIdOf(ReadOnlySpan<byte> response)
    {
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
}
