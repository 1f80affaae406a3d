using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using SensorAspire.ServiceDefaults;

namespace SensorAspire.Chart.Tests;

public sealed class ChartOptionsTests
{
    [Fact]
    public void DefaultOptionsAreValid()
        => Assert.True(new ValidateChartOptions().Validate(null, new ChartOptions()).Succeeded);

    [Fact]
    public void EveryInvalidSettingIsReportedWithItsKey()
    {
        var options = new ChartOptions
        {
            WindowsTopic = " ",
            MaxSensors = 5,
            MaxSensorsShown = 6,
            ClientBufferSize = 0,
            PartitionRefreshInterval = TimeSpan.Zero,
            BrowserTelemetryMaxExportBytes = 0,
            BrowserTelemetryExportsPerMinute = 0,
        };

        var result = new ValidateChartOptions().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Chart:WindowsTopic", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Chart:MaxSensorsShown", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Chart:ClientBufferSize", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Chart:PartitionRefreshInterval", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Chart:BrowserTelemetryMaxExportBytes", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Chart:BrowserTelemetryExportsPerMinute", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void BrowserTelemetryIsOffByDefault()
        => Assert.False(new ChartOptions().BrowserTelemetry);

    [Theory]
    [InlineData(null, null)]
    [InlineData("http://localhost:4317", "grpc")]
    public void BrowserTelemetryWithoutAnOtlpHttpEndpointIsReportedNamingTheKeys(string? endpoint, string? protocol)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol,
        }).Build();

        var result = new ValidateChartOptions(configuration).Validate(null, new ChartOptions { BrowserTelemetry = true });

        Assert.True(result.Failed);
        Assert.Contains("Chart:BrowserTelemetry", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("OTEL_EXPORTER_OTLP_ENDPOINT", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedOtlpHeadersAreReportedByKeyWithoutRepeatingTheirValue()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://localhost:4318",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "secret-without-a-name",
        }).Build();

        var result = new ValidateChartOptions(configuration).Validate(null, new ChartOptions { BrowserTelemetry = true });

        Assert.True(result.Failed);
        Assert.Contains("OTEL_EXPORTER_OTLP_HEADERS", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-without-a-name", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void AMalformedOtlpEndpointDoesNotStopAChartWithBrowserTelemetryOff()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "not a url",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        }).Build();

        Assert.True(new ValidateChartOptions(configuration).Validate(null, new ChartOptions()).Succeeded);
    }

    [Fact]
    public void AppWithBrowserTelemetryOnAndNoOtlpEndpointFailsAtStartNamingTheKey()
    {
        using var app = new ChartApp("127.0.0.1:1", "unused", new Dictionary<string, string?>
        {
            ["Chart:BrowserTelemetry"] = "true",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "",
        });

        var error = Assert.ThrowsAny<Exception>(() => app.Start());

        Assert.Contains("Chart:BrowserTelemetry", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AppWithInvalidChartOptionsFailsAtStart()
    {
        using var app = new ChartApp("127.0.0.1:1", "unused", new Dictionary<string, string?> { ["Chart:ClientBufferSize"] = "0" });

        var error = Assert.ThrowsAny<Exception>(() => app.Start());

        Assert.Contains("Chart:ClientBufferSize", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void OldWindowTopicKeyStillWorksWithAWarningNamingWindowsTopic()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Chart:WindowTopic"] = "old-windows" });
        builder.Logging.AddFakeLogging();
        builder.AddChartServices();
        using var host = builder.Build();

        var options = host.Services.GetRequiredService<IOptions<ChartOptions>>().Value;

        Assert.Equal("old-windows", options.WindowsTopic);
        var warning = Assert.Single(host.Services.GetFakeLogCollector().GetSnapshot(), r => r.Category == SettingKeys.LogCategory);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("Chart:WindowTopic", warning.Message, StringComparison.Ordinal);
        Assert.Contains("Chart:WindowsTopic", warning.Message, StringComparison.Ordinal);
    }
}
