using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace SensorAspire.EmbeddedKafka;

/// <summary>The runnable: parses options, starts the broker, prints its bootstrap address and stops on Ctrl+C.</summary>
internal static class BrokerCommandLine
{
    private const string Usage = """
        usage: SensorAspire.EmbeddedKafka [--port N] [--advertised-host HOST] [--advertised-port N] [--auto-create-topics true|false]
                                          [--default-partitions N] [--max-connections N] [--max-request-bytes N]
                                          [--data-dir PATH] [--sync-writes true|false] [--segment-bytes N] [--retention-bytes N] [--retention-ms N]
          --port                 TCP port (default 9092; 0 picks a free one)
          --advertised-host      host name clients are told to connect to (default 127.0.0.1)
          --advertised-port      port clients are told to connect to (default: the bound port)
          --auto-create-topics   create unknown topics on Metadata requests (default true)
          --default-partitions   partitions of auto-created topics (default 1)
          --max-connections      client connections open at once; more are refused (default 1000)
          --max-request-bytes    largest request accepted; a bigger size prefix closes the connection (default 104857600)
          --data-dir             keep topics, logs and committed offsets here across restarts (default: memory only)
          --sync-writes          fsync after every append and commit (default false: written to the OS, fsync at shutdown)
          --segment-bytes        default segment.bytes of topics (default 1048576)
          --retention-bytes      default retention.bytes per partition (default -1: no limit)
          --retention-ms         default retention.ms (default 604800000, 7 days; -1: forever)
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
        catch (System.Net.Sockets.SocketException ex)
        {
            await Console.Error.WriteLineAsync($"error: cannot listen on port {options.Port}: {ex.Message}");
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
                // Ctrl+C: dispose the broker below.
            }
        }

        return 0;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

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
            switch (name)
            {
                case "--port" when int.TryParse(value, out var port) && port is >= 0 and <= 65535:
                    options.Port = port;
                    break;
                case "--advertised-host" when !string.IsNullOrWhiteSpace(value):
                    options.AdvertisedHost = value;
                    break;
                case "--auto-create-topics" when bool.TryParse(value, out var autoCreate):
                    options.AutoCreateTopics = autoCreate;
                    break;
                case "--default-partitions" when int.TryParse(value, out var partitions) && partitions >= 1:
                    options.DefaultPartitions = partitions;
                    break;
                case "--advertised-port" when int.TryParse(value, out var advertisedPort) && advertisedPort is >= 0 and <= 65535:
                    options.AdvertisedPort = advertisedPort;
                    break;
                case "--max-connections" when int.TryParse(value, out var maxConnections) && maxConnections >= 1:
                    options.MaxConnections = maxConnections;
                    break;
                case "--max-request-bytes" when int.TryParse(value, out var maxRequestBytes) && maxRequestBytes >= 1024:
                    options.MaxRequestBytes = maxRequestBytes;
                    break;
                case "--data-dir" when !string.IsNullOrWhiteSpace(value):
                    options.DataDirectory = value;
                    break;
                case "--sync-writes" when bool.TryParse(value, out var sync):
                    options.SyncWrites = sync;
                    break;
                case "--segment-bytes" when int.TryParse(value, out var segmentBytes) && segmentBytes >= 1:
                    options.SegmentBytes = segmentBytes;
                    break;
                case "--retention-bytes" when long.TryParse(value, out var retentionBytes) && retentionBytes >= -1:
                    options.RetentionBytes = retentionBytes;
                    break;
                case "--retention-ms" when long.TryParse(value, out var retentionMs) && retentionMs >= -1:
                    options.RetentionTime = retentionMs < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(retentionMs);
                    break;
                case "--port" or "--advertised-host" or "--advertised-port" or "--auto-create-topics" or "--default-partitions"
                    or "--max-connections" or "--max-request-bytes"
                    or "--data-dir" or "--sync-writes" or "--segment-bytes" or "--retention-bytes" or "--retention-ms":
                    return $"invalid value '{value}' for {name}";
                default:
                    return $"unknown option {name}";
            }
        }

        return null;
    }
}
