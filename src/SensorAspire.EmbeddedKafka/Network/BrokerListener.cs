using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SensorAspire.EmbeddedKafka.Cluster;

namespace SensorAspire.EmbeddedKafka.Network;

/// <summary>Accepts clients on one TCP port and runs a <see cref="BrokerConnection"/> for each.</summary>
internal sealed class BrokerListener : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly BrokerState _broker;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<BrokerConnection, Task> _connections = new();
    private readonly Task _acceptLoop;

    public BrokerListener(BrokerState broker)
    {
        _broker = broker;
        _logger = broker.LoggerFactory.CreateLogger("SensorAspire.EmbeddedKafka");
        var address = IsLoopback(broker.AdvertisedHost) ? IPAddress.Loopback : IPAddress.Any;
        _listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(address, broker.Options.Port));
        _listener.Listen(512);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        broker.Port = Port;
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port { get; }

    private static bool IsLoopback(string host) =>
        host is "localhost" || IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);

    private async Task AcceptLoopAsync()
    {
        while (!_broker.Stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_broker.Stopping);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            socket.NoDelay = true;
            var connection = new BrokerConnection(socket, _broker, _logger);
            _connections[connection] = RunAsync(connection);
        }
    }

    private async Task RunAsync(BrokerConnection connection)
    {
        await Task.Yield();
        try
        {
            await connection.RunAsync();
        }
        finally
        {
            _connections.TryRemove(connection, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        await _acceptLoop;
        foreach (var connection in _connections.Keys)
        {
            connection.Abort();
        }

        await Task.WhenAll(_connections.Values);
    }
}
