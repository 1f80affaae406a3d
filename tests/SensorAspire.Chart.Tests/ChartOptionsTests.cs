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
            WindowTopic = " ",
            MaxSensors = 5,
            MaxSensorsShown = 6,
            ClientBufferSize = 0,
            PartitionRefreshInterval = TimeSpan.Zero,
        };

        var result = new ValidateChartOptions().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Chart:WindowTopic", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Chart:MaxSensorsShown", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Chart:ClientBufferSize", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Chart:PartitionRefreshInterval", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void AppWithInvalidChartOptionsFailsAtStart()
    {
        using var app = new ChartApp("127.0.0.1:1", "unused", new Dictionary<string, string?> { ["Chart:ClientBufferSize"] = "0" });

        var error = Assert.ThrowsAny<Exception>(() => app.Start());

        Assert.Contains("Chart:ClientBufferSize", error.ToString(), StringComparison.Ordinal);
    }
}
