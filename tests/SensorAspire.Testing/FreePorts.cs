using System.Net;
using System.Net.Sockets;

namespace SensorAspire.Testing;

/// <summary>Fixed ports for a broker or listener that another process (or a later run) binds after we chose them.</summary>
/// <remarks>
/// A port the OS hands out with port 0 comes from its ephemeral range, the same range it takes the local port of every
/// outgoing connection from: between our choice and the broker's bind, any connection on the machine (DCP, the dashboard,
/// the services, the browser) can take it, and the broker then fails with "address already in use". Ports above that
/// range are never given to outgoing connections, nor to DCP's own endpoints (10000-32767), so a port found free there
/// stays free until the process it is meant for binds it.
/// </remarks>
public static class FreePorts
{
    private const int HighestPort = 65535;

    /// <summary>A loopback TCP port above the ephemeral range that is free now.</summary>
    public static int Next()
    {
        var first = EphemeralRangeEnd() + 1;
        if (first < HighestPort - 100)
        {
            for (var attempt = 0; attempt < 100; attempt++)
            {
                var port = Random.Shared.Next(first, HighestPort + 1);
                if (IsFree(port))
                {
                    return port;
                }
            }
        }

        // No room above the ephemeral range (or all taken): let the OS choose, as before.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The last port of Linux's ephemeral range (<c>net.ipv4.ip_local_port_range</c>), 60999 by default.</summary>
    private static int EphemeralRangeEnd()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 60999;
        }
    }
}
