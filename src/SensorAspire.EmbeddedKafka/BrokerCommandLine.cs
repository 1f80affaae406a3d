using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace SensorAspire.EmbeddedKafka;

/// <summary>The runnable: parses options, starts the broker, prints its bootstrap address and stops on Ctrl+C.</summary>
internal static class BrokerCommandLine
{
    private const string Usage = """
        usage: SensorAspire.EmbeddedKafka [--port N] [--advertised-host HOST] [--advertised-port N] [--auto-create-topics true|false]
                                          [--default-partitions N] [--max-connections N] [--max-request-bytes N]
                                          [--data-dir PATH] [--cluster-id ID] [--sync-writes true|false] [--segment-bytes N] [--retention-bytes N] [--retention-ms N]
          --port                 TCP port (default 9092; 0 picks a free one)
          --advertised-host      host name clients are told to connect to (default 127.0.0.1)
          --advertised-port      port clients are told to connect to (default: the bound port)
          --auto-create-topics   create unknown topics on Metadata requests (default true)
          --default-partitions   partitions of auto-created topics (default 1)
          --max-connections      client connections open at once; more are refused (default 1000)
          --max-request-bytes    largest request accepted; a bigger size prefix closes the connection (default 104857600)
          --data-dir             keep topics, logs and committed offsets here across restarts (default: memory only)
          --cluster-id           the cluster id this broker must have; a data directory of another cluster is refused
                                 (default: the data directory's, or a new one)
          --sync-writes          fsync after every append and commit (default false: written to the OS, fsync at shutdown)
          --segment-bytes        default segment.bytes of topics (default 1048576)
          --retention-bytes      default retention.bytes per partition (default -1: no limit)
          --retention-ms         default retention.ms (default 604800000, 7 days; -1: forever)
          --shutdown-grace-ms    on Ctrl+C or SIGTERM, wait up to this long for clients to disconnect (default 3000)
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new EmbeddedKafkaOptions { Port = 9092 };
        if (Parse(args, options) is { } error)
        {
            await Console.Error.WriteLineAsync($"error: {error}\n{Usage}");
            return 2;
        }

        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
        options.LoggerFactory = loggerFactory;
        using var stop = new CancellationTokenSource();

        // Ctrl+C (SIGINT) and SIGTERM (CI, containers, `kill`) both stop the broker cleanly instead of killing it.
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        EmbeddedKafkaBroker broker;
        try
        {
            broker = await EmbeddedKafkaBroker.StartAsync(options);
        }
        catch (System.Net.Sockets.SocketException ex) when (ex.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse)
        {
            await Console.Error.WriteLineAsync(
                $"error: port {options.Port} is in use by another process (another Kafka?); choose a free port with --port, or stop that process");
            return 1;
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            await Console.Error.WriteLineAsync($"error: cannot listen on port {options.Port}: {ex.Message}");
            return 1;
        }
        catch (InvalidOperationException ex)
        {
            // The data directory is locked by another broker, or belongs to another cluster.
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return 1;
        }

        await using (broker)
        {
            Console.WriteLine($"bootstrap servers: {broker.BootstrapServers}");
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: let the clients finish, then dispose the broker below.
            }

            await broker.WaitForClientsToDisconnectAsync(options.ShutdownGracePeriod);
        }

        return 0;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    /// <summary>Every option and how it applies its value; false means the value is not valid for it.</summary>
    private static readonly Dictionary<string, Func<string, EmbeddedKafkaOptions, bool>> s_options = new(StringComparer.Ordinal)
    {
        ["--port"] = (value, options) => TryInt(value, 0, 65535, port => options.Port = port),
        ["--advertised-host"] = (value, options) => TryText(value, host => options.AdvertisedHost = host),
        ["--advertised-port"] = (value, options) => TryInt(value, 0, 65535, port => options.AdvertisedPort = port),
        ["--auto-create-topics"] = (value, options) => TryBool(value, on => options.AutoCreateTopics = on),
        ["--default-partitions"] = (value, options) => TryInt(value, 1, int.MaxValue, count => options.DefaultPartitions = count),
        ["--max-connections"] = (value, options) => TryInt(value, 1, int.MaxValue, count => options.MaxConnections = count),
        ["--max-request-bytes"] = (value, options) => TryInt(value, 1024, int.MaxValue, bytes => options.MaxRequestBytes = bytes),
        ["--data-dir"] = (value, options) => TryText(value, path => options.DataDirectory = path),
        ["--cluster-id"] = (value, options) => TryText(value, id => options.ClusterId = id),
        ["--sync-writes"] = (value, options) => TryBool(value, on => options.SyncWrites = on),
        ["--segment-bytes"] = (value, options) => TryInt(value, 1, int.MaxValue, bytes => options.SegmentBytes = bytes),
        ["--retention-bytes"] = (value, options) => TryLong(value, -1, bytes => options.RetentionBytes = bytes),
        ["--shutdown-grace-ms"] = (value, options) =>
            TryLong(value, 0, ms => options.ShutdownGracePeriod = TimeSpan.FromMilliseconds(ms)),
        ["--retention-ms"] = (value, options) =>
            TryLong(value, -1, ms => options.RetentionTime = ms < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(ms)),
    };

    /// <summary>Applies the arguments to <paramref name="options"/>; returns a message naming the bad option, or null.</summary>
    internal static string? Parse(string[] args, EmbeddedKafkaOptions options)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                return "help requested";
            }

            if (i + 1 >= args.Length)
            {
                return $"{name} needs a value";
            }

            var value = args[++i];
            if (!s_options.TryGetValue(name, out var apply))
            {
                return $"unknown option {name}";
            }

            if (!apply(value, options))
            {
                return $"invalid value '{value}' for {name}";
            }
        }

        return null;
    }

    private delegate bool TryParse<T>(string text, out T value);

    private static bool TryInt(string value, int min, int max, Action<int> set) =>
        TrySet(value, int.TryParse, parsed => parsed >= min && parsed <= max, set);

    private static bool TryLong(string value, long min, Action<long> set) => TrySet(value, long.TryParse, parsed => parsed >= min, set);

    private static bool TryBool(string value, Action<bool> set) => TrySet(value, bool.TryParse, _ => true, set);

    private static bool TryText(string value, Action<string> set) => TrySet(value, TakeText, text => !string.IsNullOrWhiteSpace(text), set);

    private static bool TakeText(string text, out string value)
    {
        value = text;
        return true;
    }

    private static bool TrySet<T>(string text, TryParse<T> parse, Func<T, bool> valid, Action<T> set)
    {
        if (!parse(text, out var value) || !valid(value))
        {
            return false;
        }

        set(value);
        return true;
    }
}
