using Microsoft.Extensions.Diagnostics.HealthChecks;
using SensorAspire.Aggregator.Kafka;

namespace SensorAspire.Aggregator;

/// <summary>Ready once the consume loop runs; reports how many input partitions this instance holds.</summary>
internal sealed class AggregatorHealthCheck(ReadingAggregatorWorker worker, WindowAggregationEngine engine) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(worker.IsRunning
            ? HealthCheckResult.Healthy($"consuming; {engine.AssignedPartitions} partitions assigned")
            : HealthCheckResult.Unhealthy("the consume loop is not running"));
}
