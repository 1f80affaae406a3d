using System.Globalization;
using Microsoft.Extensions.Options;

namespace SensorAspire.Standalone;

/// <summary>The command-line surface: short option names, help, and errors a user can act on.</summary>
internal static class StandaloneCommandLine
{
    /// <summary>Short options, mapped onto the <see cref="StandaloneOptions"/> configuration keys.</summary>
    public static readonly Dictionary<string, string> SwitchMappings = new(StringComparer.OrdinalIgnoreCase)
    {
        ["--chart-port"] = $"{StandaloneOptions.SectionName}:{nameof(StandaloneOptions.ChartPort)}",
        ["--broker-port"] = $"{StandaloneOptions.SectionName}:{nameof(StandaloneOptions.BrokerPort)}",
        ["--sensors"] = $"{StandaloneOptions.SectionName}:{nameof(StandaloneOptions.SensorCount)}",
        ["--interval-ms"] = $"{StandaloneOptions.SectionName}:{nameof(StandaloneOptions.IntervalMilliseconds)}",
        ["--rate"] = $"{StandaloneOptions.SectionName}:{nameof(StandaloneOptions.TargetRate)}",
        ["--data-dir"] = $"{StandaloneOptions.SectionName}:{nameof(StandaloneOptions.DataDirectory)}",
    };

    private const string Usage = """
        Runs the embedded Kafka broker and the simulator, aggregator and chart services on this machine.

        Usage: dotnet run --project src/SensorAspire.Standalone [-- options]

        Options:
          --chart-port <port>     HTTP port of the chart (default 5080)
          --broker-port <port>    Kafka port of the embedded broker (default 9092)
          --sensors <count>       number of simulated sensors temp1..tempN (default: the simulator's, 2)
          --interval-ms <ms>      milliseconds between two readings of each sensor (default: the simulator's, 2000)
          --rate <per-second>     load mode: readings per second across all sensors (instead of --interval-ms)
          --data-dir <path>       keep broker data in this directory across runs (default: in memory)
          --help                  show this help

        Every option is also a configuration key (--Standalone:ChartPort=5080) and an environment variable
        (Standalone__ChartPort=5080). Stop with Ctrl+C.
        """;

    /// <summary>Handles <c>--help</c> and unknown options; returns the exit code when the program should stop here.</summary>
    public static int? Check(string[] args)
    {
        if (args.Any(a => a is "--help" or "-h" or "-?"))
        {
            Console.WriteLine(Usage);
            return 0;
        }

        // Configuration keys (--Section:Key=value) and negative numbers (values) pass through; any other
        // unknown option is a typo.
        var unknown = args
            .Where(a => a.StartsWith('-') && !a.Contains(':') && !double.TryParse(a, CultureInfo.InvariantCulture, out _))
            .Select(a => a.Split('=', 2)[0])
            .Where(a => !SwitchMappings.ContainsKey(a))
            .ToList();
        if (unknown.Count > 0)
        {
            Console.Error.WriteLine($"standalone: unknown option {string.Join(", ", unknown)}. Run with --help for the list.");
            return 2;
        }

        return null;
    }

    /// <summary>Binds and validates the options before the host starts, so a mistake prints one clear line.</summary>
    public static bool TryValidate(IServiceProvider services)
    {
        try
        {
            _ = services.GetRequiredService<IOptions<StandaloneOptions>>().Value;
            return true;
        }
        catch (OptionsValidationException ex)
        {
            foreach (var failure in ex.Failures)
            {
                Console.Error.WriteLine($"standalone: {failure}");
            }
        }
        catch (InvalidOperationException ex) when (ex.InnerException is FormatException or OverflowException)
        {
            // The binder names the key and the expected type, e.g. "Standalone:ChartPort" and "System.Int32".
            Console.Error.WriteLine($"standalone: {ex.Message}");
        }

        return false;
    }
}
