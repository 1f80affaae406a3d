using Microsoft.Extensions.Options;
using SensorAspire.Chart.Forwarding;

namespace SensorAspire.Chart;

/// <summary>Collects every problem in <see cref="ChartOptions"/> and names the key to fix.</summary>
/// <param name="configuration">Where the OTLP exporter settings are read when browser telemetry is on.</param>
internal sealed class ValidateChartOptions(IConfiguration configuration) : IValidateOptions<ChartOptions>
{
    /// <summary>A validator for the options alone, with no OTLP exporter settings.</summary>
    public ValidateChartOptions()
        : this(new ConfigurationBuilder().Build())
    {
    }

    public ValidateOptionsResult Validate(string? name, ChartOptions options)
    {
        const string Section = ChartOptions.SectionName;
        List<string> errors = [];
        if (string.IsNullOrWhiteSpace(options.WindowsTopic))
        {
            errors.Add($"{Section}:{nameof(ChartOptions.WindowsTopic)} must name the aggregator's window topic.");
        }

        if (options.MaxSensors < 1)
        {
            errors.Add($"{Section}:{nameof(ChartOptions.MaxSensors)} must be at least 1 (was {options.MaxSensors}).");
        }

        if (options.MaxSensorsShown < 1 || options.MaxSensorsShown > options.MaxSensors)
        {
            errors.Add($"{Section}:{nameof(ChartOptions.MaxSensorsShown)} must be between 1 and {Section}:{nameof(ChartOptions.MaxSensors)} ({options.MaxSensors}); was {options.MaxSensorsShown}.");
        }

        if (options.ClientBufferSize < 1)
        {
            errors.Add($"{Section}:{nameof(ChartOptions.ClientBufferSize)} must be at least 1 (was {options.ClientBufferSize}).");
        }

        if (options.PartitionRefreshInterval <= TimeSpan.Zero)
        {
            errors.Add($"{Section}:{nameof(ChartOptions.PartitionRefreshInterval)} must be positive, e.g. \"00:00:10\" (was {options.PartitionRefreshInterval}).");
        }

        if (options.BrowserTelemetryMaxExportBytes < 1)
        {
            errors.Add($"{Section}:{nameof(ChartOptions.BrowserTelemetryMaxExportBytes)} must be at least 1 (was {options.BrowserTelemetryMaxExportBytes}).");
        }

        if (options.BrowserTelemetryExportsPerMinute < 1)
        {
            errors.Add($"{Section}:{nameof(ChartOptions.BrowserTelemetryExportsPerMinute)} must be at least 1 (was {options.BrowserTelemetryExportsPerMinute}).");
        }

        if (options.BrowserTelemetry)
        {
            ValidateForwardTarget(errors);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    // With browser telemetry on, the page's spans must have somewhere to go: the chart's own OTLP/HTTP endpoint.
    private void ValidateForwardTarget(List<string> errors)
    {
        const string Key = $"{ChartOptions.SectionName}:{nameof(ChartOptions.BrowserTelemetry)}";
        try
        {
            if (OtlpTracesTarget.FromConfiguration(configuration) is null)
            {
                errors.Add($"{Key} is true, so the chart needs an OTLP/HTTP endpoint to forward the page's spans to: set {OtlpTracesTarget.EndpointKey} and {OtlpTracesTarget.ProtocolKey}={OtlpTracesTarget.HttpProtobuf} (the AppHost does), or set {Key} to false.");
            }
        }
        catch (InvalidOperationException error)
        {
            errors.Add($"{Key} is true: {error.Message}");
        }
    }
}
