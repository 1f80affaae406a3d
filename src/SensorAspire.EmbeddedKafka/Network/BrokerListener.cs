using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SensorAspire.EmbeddedKafka.Cluster;

namespace SensorAspire.EmbeddedKafka.Network;

/// <summary>
/// Accepts clients on one TCP port and runs a <see cref="BrokerConnection"/> for each. Past
/// <see cref="EmbeddedKafkaOptions.MaxConnections"/> a new socket is reset at once, before any byte is read from it,
/// so a flood of connections costs the broker nothing beyond the accept and leaves open connections untouched.
/// </summary>
internal sealed partial class BrokerListener : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly BrokerState _broker;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<BrokerConnection, Task> _connections = new();
    private readonly Task _acceptLoop;
    private int _connectionCount;
    private bool _refusing;

    public BrokerListener(BrokerState broker)
    {
        _broker = broker;
        _logger = broker.LoggerFactory.CreateLogger("SensorAspire.EmbeddedKafka");
        var address = IsLoopback(broker.AdvertisedHost) ? IPAddress.Loopback : IPAddress.Any;
        _listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(address, broker.Options.Port));
        _listener.Listen(512);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        broker.Port = broker.Options.AdvertisedPort is > 0 and var advertised ? advertised : Port;
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port { get; }

    public int ConnectionCount => Volatile.Read(ref _connectionCount);

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

            // Only this loop increments the count, so checking and then incrementing cannot overshoot the cap.
            if (Volatile.Read(ref _connectionCount) >= _broker.Options.MaxConnections)
            {
                Refuse(socket);
                continue;
            }

            _refusing = false;
            Interlocked.Increment(ref _connectionCount);
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
            Interlocked.Decrement(ref _connectionCount);
        }
    }

    private void Refuse(Socket socket)
    {
        // One warning per spell at the cap, not one per socket: a connection flood must not become a log flood.
        if (!_refusing)
        {
            _refusing = true;
            LogConnectionsRefused((socket.RemoteEndPoint as IPEndPoint)?.Address.ToString() ?? "unknown", _broker.Options.MaxConnections);
        }

        try
        {
            // Linger 0 resets the connection instead of a graceful close: the client learns at once and no TIME_WAIT is left.
            socket.LingerState = new LingerOption(enable: true, seconds: 0);
        }
        catch (SocketException)
        {
            // The peer is already gone.
        }

        socket.Dispose();
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

    [LoggerMessage(1, LogLevel.Warning, "Refusing connections (first from {ClientHost}): {MaxConnections} are open (MaxConnections); logged again after the next accepted one")]
    private partial void LogConnectionsRefused(string clientHost, int maxConnections);
}
