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
/// still holds complete frames are flushed together; the responses before a parked request are flushed when it parks.
/// Only the read loop touches the output pipe (a handler returns its response, it never writes it), so nothing is
/// written while a flush is in progress. Anything malformed closes this connection only.
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
                    var pending = ProcessAsync(frame);
                    if (!pending.IsCompleted)
                    {
                        // The responses before a parked request go out now, not when it completes.
                        await output.FlushAsync(_aborted.Token);
                    }

                    // Written here, by this loop only, never by the handler's continuation: a PipeWriter takes no
                    // writes during a flush, and one written then (a Fetch woken while the flush above waits for the
                    // socket) is dropped with the flushed segments, leaving the client's request unanswered.
                    if (await pending is { } response)
                    {
                        WriteResponse(output, response);
                    }
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

    private async ValueTask<Response?> ProcessAsync(ReadOnlySequence<byte> frame)
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
            return await ProcessAsync(memory);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private async ValueTask<Response?> ProcessAsync(ReadOnlyMemory<byte> frame)
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
            return new Response(header.CorrelationId, apiKey, 0, ApiVersionsApi.Build(broker, KafkaErrorCode.UnsupportedVersion));
        }

        var context = new RequestContext(broker, apiVersion, header.CorrelationId, header.ClientId, _clientHost, _aborted.Token);
        return await handler.HandleAsync(context, reader) is { } body ? new Response(header.CorrelationId, apiKey, apiVersion, body) : null;
    }

    private void WriteResponse(PipeWriter output, Response response)
    {
        _response.Reset();
        _response.WriteInt32(0);
        _response.WriteInt32(response.CorrelationId);
        if (ApiMessageCatalog.ResponseHeaderVersion(response.ApiKey, response.ApiVersion) >= 1)
        {
            _response.WriteUnsignedVarint(0);
        }

        response.Body.Write(_response, response.ApiVersion);
        _response.PatchInt32(0, _response.Position - 4);
        output.Write(_response.WrittenSpan);
    }

    /// <summary>A handled request's answer, encoded by the connection loop in request order.</summary>
    private readonly record struct Response(int CorrelationId, short ApiKey, short ApiVersion, IKafkaMessage Body);

    [LoggerMessage(1, LogLevel.Warning, "Closing connection from {ClientHost}: {Reason}")]
    private partial void LogMalformedRequest(string clientHost, string reason);

    [LoggerMessage(2, LogLevel.Error, "Connection from {ClientHost} failed")]
    private partial void LogConnectionFailed(Exception exception, string clientHost);
}
