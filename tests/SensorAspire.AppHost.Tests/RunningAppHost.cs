using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SensorAspire.Testing;

namespace SensorAspire.AppHost.Tests;

/// <summary>
/// The real AppHost, started once for the tests that share it: DCP, the dashboard, the embedded broker and the three
/// services, on ports of their own (the testing builder randomizes them; the broker's is ours to pick) so that a
/// developer's run of the app does not collide. The dashboard is on (the testing builder turns it off by default),
/// with the API key and browser token a user can configure.
/// </summary>
public sealed class RunningAppHost : IAsyncLifetime
{
    public const string DashboardApiKey = "sensoraspire-test-api-key";
    public const string BrowserToken = "sensoraspire-test-browser-token";
    public static readonly string[] ResourceNames = ["kafka", "simulator", "aggregator", "chart"];
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    /// <summary>How often the tests ask an HTTP API again; the pipeline's own pace is a reading every 2 s.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The AppHost has not started.");

    public Uri DashboardUrl { get; private set; } = null!;

    public Uri ChartUrl { get; private set; } = null!;

    public string BootstrapServers { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var ct = timeout.Token;
        string[] args =
        [
            $"--Kafka:Port={FreePorts.Next()}",
            $"--AppHost:DashboardApiKey={DashboardApiKey}",
            $"--ASPIRE_DASHBOARD_FRONTEND_BROWSERTOKEN={BrowserToken}",
        ];
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.SensorAspire_AppHost>(
            args, (options, _) => options.DisableDashboard = false, ct);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        _app = await builder.BuildAsync(ct);
        await _app.StartAsync(ct);
        ChartUrl = _app.GetEndpoint("chart", "http");
        DashboardUrl = _app.GetEndpoint("aspire-dashboard", "http");
        BootstrapServers = await _app.GetConnectionStringAsync("kafka", ct)
            ?? throw new InvalidOperationException("kafka has no connection string");
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    /// <summary>An HTTP client for the dashboard's telemetry API, authenticated as the AppHost configures it.</summary>
    public HttpClient CreateDashboardApiClient()
    {
        var client = new HttpClient { BaseAddress = DashboardUrl };
        client.DefaultRequestHeaders.Add("x-api-key", DashboardApiKey);
        return client;
    }

    /// <summary>Asks the dashboard's telemetry API until it holds a trace of the whole reading path, each span once, and returns its spans.</summary>
    internal async Task<IGrouping<string, DashboardTraces.Span>> WaitForReadingTraceAsync()
    {
        using var dashboard = CreateDashboardApiClient();
        return await Wait.ForAsync(
            async ct => (await DashboardTraces.GetAsync(dashboard, ct)).FirstOrDefault(DashboardTraces.HoldsReadingPathOnce),
            "a trace of the reading path in the dashboard", Timeout, PollInterval);
    }

    /// <summary>Asks the chart's <c>/api/windows</c> until <paramref name="done"/> holds for what it returns.</summary>
    public Task<Dictionary<string, double[]>> WaitForWindowsAsync(Func<Dictionary<string, double[]>, bool> done, string what)
        => Wait.ForAsync(async ct => await ChartWindows.GetAsync(ChartUrl, ct) is var windows && done(windows) ? windows : null,
            what, Timeout, PollInterval);
}
