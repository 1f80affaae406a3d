using System.Buffers.Binary;
using System.Net.Sockets;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

/// <summary>
/// Healthy once the broker answers a Kafka ApiVersions request with no error, so <c>WaitFor(kafka)</c> releases the
/// services when the broker serves Kafka, not merely when its port accepts connections. ApiVersions v0 is the request
/// every client sends first and every broker must answer (KIP-35; KIP-511 for the fallback to v0).
/// </summary>
internal sealed class KafkaApiVersionsHealthCheck(EmbeddedKafkaResource broker) : IHealthCheck
{
    private const short ApiVersionsKey = 18;
    private const int CorrelationId = 0x5A5A;

    // A listener that accepts but never answers must make the check fail, not hang it.
    private static readonly TimeSpan s_answerTimeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_answerTimeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", broker.PrimaryEndpoint.Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(Request(), timeout.Token);

            var size = new byte[4];
            await stream.ReadExactlyAsync(size, timeout.Token);
            var response = new byte[BinaryPrimitives.ReadInt32BigEndian(size)];
            await stream.ReadExactlyAsync(response, timeout.Token);

            // Response header v0 is the correlation id; the v0 body starts with the error code.
            var correlationId = BinaryPrimitives.ReadInt32BigEndian(response);
            var errorCode = BinaryPrimitives.ReadInt16BigEndian(response.AsSpan(4));
            return correlationId == CorrelationId && errorCode == 0
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"ApiVersions answered with error code {errorCode}");
        }
        catch (Exception ex) when (ex is SocketException or IOException or EndOfStreamException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return HealthCheckResult.Unhealthy("the broker does not answer Kafka requests yet", ex);
        }
    }

    /// <summary>Size, then request header v1 (key, version 0, correlation id, null client id) and an empty v0 body.</summary>
    private static byte[] Request()
    {
        var request = new byte[4 + 2 + 2 + 4 + 2];
        BinaryPrimitives.WriteInt32BigEndian(request, request.Length - 4);
        BinaryPrimitives.WriteInt16BigEndian(request.AsSpan(4), ApiVersionsKey);
        BinaryPrimitives.WriteInt16BigEndian(request.AsSpan(6), 0);
        BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(8), CorrelationId);
        BinaryPrimitives.WriteInt16BigEndian(request.AsSpan(12), -1);
        return request;
    }
}
