using Microsoft.Extensions.Logging.Abstractions;

namespace SensorAspire.AppHost.Tests;

/// <summary>
/// <c>Chart:BrowserTelemetry</c> as AppHost.cs sets it: on for a run of the AppHost, absent (so off, the chart's
/// default) from a published chart. CreateAsync runs AppHost.cs up to Build() and stops there, so nothing is started.
/// </summary>
public sealed class ChartBrowserTelemetryModelTests
{
    private const string Setting = "Chart__BrowserTelemetry";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task TheAppHostTurnsBrowserTelemetryOnForItsOwnRun()
    {
        await using var appHost = await CreateAsync([]);

        Assert.True(appHost.ExecutionContext.IsRunMode);
        Assert.Equal("true", (await ChartEnvironmentAsync(appHost))[Setting]);
    }

    [Fact]
    public async Task APublishedChartHasBrowserTelemetryOff()
    {
        // What `aspire publish` and `--publisher manifest` run as.
        await using var appHost = await CreateAsync(["--AppHost:Operation=publish"]);

        var environment = await ChartEnvironmentAsync(appHost);

        Assert.True(appHost.ExecutionContext.IsPublishMode);
        Assert.Contains("ConnectionStrings__kafka", environment.Keys); // the environment was read
        Assert.DoesNotContain(Setting, environment.Keys);
    }

    /// <summary>
    /// The chart's environment as AppHost.cs configured it, evaluated as for a run (every endpoint given an address, as
    /// DCP would) so that every value resolves without starting anything.
    /// </summary>
    private static async Task<Dictionary<string, string>> ChartEnvironmentAsync(IDistributedApplicationTestingBuilder appHost)
    {
        var nextPort = 30000;
        foreach (var endpoint in appHost.Resources.SelectMany(r => r.Annotations.OfType<EndpointAnnotation>()))
        {
            endpoint.AllocatedEndpoint = new AllocatedEndpoint(endpoint, "localhost", endpoint.Port ?? nextPort++);
        }

        var chart = Assert.Single(appHost.Resources, r => r.Name == "chart");
        var configuration = await ExecutionConfigurationBuilder.Create(chart)
            .WithEnvironmentVariablesConfig()
            .BuildAsync(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run), NullLogger.Instance,
                TestContext.Current.CancellationToken);
        return configuration.EnvironmentVariables.ToDictionary();
    }

    private static Task<IDistributedApplicationTestingBuilder> CreateAsync(string[] args)
        => DistributedApplicationTestingBuilder.CreateAsync<Projects.SensorAspire_AppHost>(args, TestContext.Current.CancellationToken)
            .WaitAsync(s_timeout, TestContext.Current.CancellationToken);
}
