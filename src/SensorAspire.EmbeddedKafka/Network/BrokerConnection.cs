using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SensorAspire.EmbeddedKafka.Apis;
using SensorAspire.EmbeddedKafka.Cluster;
using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Network;

/// <summary>
/// One client socket. Reads int32-framed requests continuously (clients pipeline), handles them strictly in order and
/// writes responses in request order, like Kafka muting a channel while a request is in progress: a parked request
/// (Fetch long-poll, JoinGroup) delays later requests on this connection only. Responses written while the input
/// still holds complete frames are flushed together. Anything malformed closes this connection only.
/// </summary>
internal sealed partial class BrokerConnection(Socket socket, BrokerState broker, ILogger logger)
{
    private readonly NetworkStream _stream = new(socket, ownsSocket: true);
    private readonly CancellationTokenSource _aborted = CancellationTokenSource.CreateLinkedTokenSource(broker.Stopping);
    private readonly KafkaWriter _response = new(64 * 1024);
    private readonly string _clientHost = "/" + ((socket.RemoteEndPoint as IPEndPoint)?.Address.ToString() ?? "unknown");

    public async Task RunAsync()
    {
        var input = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024));
        var output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024));
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(_aborted.Token);
                var buffer = result.Buffer;
                while (TryTakeFrame(ref buffer, out var frame))
                {
                    var pending = ProcessAsync(frame, output);
                    if (!pending.IsCompleted)
                    {
                        await output.FlushAsync(_aborted.Token);
                    }

                    await pending;
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                await output.FlushAsync(_aborted.Token);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Broker stopping or connection aborted.
        }
        catch (KafkaProtocolException ex)
        {
            LogMalformedRequest(_clientHost, ex.Message);
        }
        catch (IOException)
        {
            // Peer went away.
        }
        catch (Exception ex)
        {
            LogConnectionFailed(ex, _clientHost);
        }
        finally
        {
            await _aborted.CancelAsync();
            await input.CompleteAsync();
            try
            {
                // Completing flushes what is still buffered; the peer or the shutdown may have closed the socket already.
                await output.CompleteAsync();
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
            {
            }

            await _stream.DisposeAsync();
            _response.Dispose();
            _aborted.Dispose();
        }
    }

    public void Abort()
    {
        try
        {
            _aborted.Cancel();
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (ObjectDisposedException)
        {
        }
        catch (SocketException)
        {
        }
    }

    /// <summary>Takes one complete frame; the size is checked against the limit before anything is buffered for it.</summary>
    private bool TryTakeFrame(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> frame)
    {
        frame = default;
        if (buffer.Length < 4)
        {
            return false;
        }

        Span<byte> prefix = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(prefix);
        var size = BinaryPrimitives.ReadInt32BigEndian(prefix);
        if (size < 8 || size > broker.Options.MaxRequestBytes)
        {
            throw new KafkaProtocolException($"Request size {size} outside 8..{broker.Options.MaxRequestBytes}.");
        }

        if (buffer.Length < 4 + size)
        {
            return false;
        }

        frame = buffer.Slice(4, size);
        buffer = buffer.Slice(frame.End);
        return true;
    }

    private async ValueTask ProcessAsync(ReadOnlySequence<byte> frame, PipeWriter output)
    {
        // A single-segment frame is parsed in place (the pipe keeps it until AdvanceTo); otherwise copy it once.
        byte[]? rented = null;
        ReadOnlyMemory<byte> memory;
        if (frame.IsSingleSegment)
        {
            memory = frame.First;
        }
        else
        {
            rented = ArrayPool<byte>.Shared.Rent((int)frame.Length);
            frame.CopyTo(rented);
            memory = rented.AsMemory(0, (int)frame.Length);
        }

        try
        {
            await ProcessAsync(memory, output);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private async ValueTask ProcessAsync(ReadOnlyMemory<byte> frame, PipeWriter output)
    {
        var apiKey = BinaryPrimitives.ReadInt16BigEndian(frame.Span);
        var apiVersion = BinaryPrimitives.ReadInt16BigEndian(frame.Span[2..]);
        var reader = new KafkaReader(frame);
        var header = new RequestHeader();
        header.Read(reader, ApiMessageCatalog.RequestHeaderVersion(apiKey, apiVersion));
        broker.RequestObserver?.Invoke(new KafkaRequestInfo(apiKey, apiVersion, header.ClientId));

        var handler = broker.Apis.Find(apiKey);
        if (handler is null)
        {
            throw new KafkaProtocolException($"Unknown API key {apiKey} (version {apiVersion}).");
        }

        if (apiVersion < handler.MinVersion || apiVersion > handler.MaxVersion)
        {
            if (apiKey != ApiMessageCatalog.ApiVersions)
            {
                throw new KafkaProtocolException($"Unsupported {ApiMessageCatalog.Name(apiKey)} version {apiVersion}.");
            }

            // KIP-511: answer a too-new ApiVersions in the v0 format with UNSUPPORTED_VERSION and the full list.
            WriteResponse(output, header.CorrelationId, apiKey, 0, ApiVersionsApi.Build(broker, KafkaErrorCode.UnsupportedVersion));
            return;
        }

        var context = new RequestContext(broker, apiVersion, header.CorrelationId, header.ClientId, _clientHost, _aborted.Token);
        var response = await handler.HandleAsync(context, reader);
        if (response is not null)
        {
            WriteResponse(output, header.CorrelationId, apiKey, apiVersion, response);
        }
    }

    private void WriteResponse(PipeWriter output, int correlationId, short apiKey, short apiVersion, IKafkaMessage response)
    {
        _response.Reset();
        _response.WriteInt32(0);
        _response.WriteInt32(correlationId);
        if (ApiMessageCatalog.ResponseHeaderVersion(apiKey, apiVersion) >= 1)
        {
            _response.WriteUnsignedVarint(0);
        }

        response.Write(_response, apiVersion);
        _response.PatchInt32(0, _response.Position - 4);
        output.Write(_response.WrittenSpan);
    }

    [LoggerMessage(1, LogLevel.Warning, "Closing connection from {ClientHost}: {Reason}")]
    private partial void LogMalformedRequest(string clientHost, string reason);

    [LoggerMessage(2, LogLevel.Error, "Connection from {ClientHost} failed")]
    private partial void LogConnectionFailed(Exception exception, string clientHost);
}
