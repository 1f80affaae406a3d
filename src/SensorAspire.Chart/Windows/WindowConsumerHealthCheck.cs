using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace SensorAspire.Chart.Windows;

/// <summary>Ready once the consumer reads at least one partition of the window topic.</summary>
internal sealed class WindowConsumerHealthCheck(WindowConsumerStatus status, IOptions<ChartOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var topic = options.Value.WindowsTopic;
        return Task.FromResult(status.AssignedPartitions > 0
            ? HealthCheckResult.Healthy($"Reading {status.AssignedPartitions} partition(s) of {topic}; {status.MessagesRead} update(s) read.")
            : HealthCheckResult.Unhealthy($"Waiting for topic {topic} to exist (the aggregator creates it)."));
    }
}
