using System.Globalization;

namespace SensorAspire.Standalone;

/// <summary>One service to run: its resource name (as in the AppHost), project and environment.</summary>
internal sealed record ServiceDescription(string Name, string Project, IReadOnlyDictionary<string, string> Environment);

/// <summary>
/// The three services with the environment the AppHost gives them (`shared/aspire` section 3): the Kafka connection
/// string, the OpenTelemetry service name, the URLs and the Development environment of their launch profiles.
/// </summary>
internal static class StandaloneServices
{
    public static string ChartUrl(StandaloneOptions options) => $"http://localhost:{options.ChartPort}";

    public static IEnumerable<ServiceDescription> Describe(StandaloneOptions options, string bootstrapServers)
    {
        // Workers still host /health, so each gets its own free port instead of all fighting for Kestrel's 5000.
        const string AnyFreePort = "http://127.0.0.1:0";

        var simulator = Environment("simulator", bootstrapServers, AnyFreePort);
        if (options.SensorCount is { } sensorCount)
        {
            simulator["Simulator__SensorCount"] = sensorCount.ToString(CultureInfo.InvariantCulture);
        }

        if (options.IntervalMilliseconds is { } interval)
        {
            simulator["Simulator__Interval"] = TimeSpan.FromMilliseconds(interval).ToString("c", CultureInfo.InvariantCulture);
        }

        if (options.TargetRate is { } rate)
        {
            simulator["Simulator__TargetRate"] = rate.ToString(CultureInfo.InvariantCulture);
        }

        yield return new("aggregator", "SensorAspire.Aggregator", Environment("aggregator", bootstrapServers, AnyFreePort));
        yield return new("chart", "SensorAspire.Chart", Environment("chart", bootstrapServers, ChartUrl(options)));
        yield return new("simulator", "SensorAspire.Simulator", simulator);
    }

    private static Dictionary<string, string> Environment(string name, string bootstrapServers, string urls) => new()
    {
        ["ConnectionStrings__kafka"] = bootstrapServers,
        ["OTEL_SERVICE_NAME"] = name,
        ["ASPNETCORE_URLS"] = urls,
        ["DOTNET_ENVIRONMENT"] = "Development",
        ["ASPNETCORE_ENVIRONMENT"] = "Development",
        ["LOGGING__CONSOLE__FORMATTERNAME"] = "simple",
        // One line per entry keeps the "service | " prefix on every line.
        ["LOGGING__CONSOLE__FORMATTEROPTIONS__SINGLELINE"] = "true",
    };
}
