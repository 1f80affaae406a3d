using Microsoft.Extensions.Options;

namespace SensorAspire.Chart;

/// <summary>Collects every problem in <see cref="ChartOptions"/> and names the key to fix.</summary>
internal sealed class ValidateChartOptions : IValidateOptions<ChartOptions>
{
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

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
