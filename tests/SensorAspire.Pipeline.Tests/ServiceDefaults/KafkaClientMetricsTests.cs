using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using SensorAspire.ServiceDefaults;

namespace SensorAspire.Pipeline.Tests.ServiceDefaults;

public sealed class KafkaClientMetricsTests
{
    // Trimmed librdkafka statistics (STATISTICS.md): one assigned partition with lag, one unassigned (-1), the UA partition.
    private const string ConsumerStatistics = """
        {"name":"rdkafka#consumer-1","client_id":"aggregator","type":"consumer","msg_cnt":0,"txmsgs":0,"rxmsgs":120,
         "topics":{"sensor-readings":{"partitions":{
           "0":{"partition":0,"consumer_lag":42},
           "1":{"partition":1,"consumer_lag":-1},
           "-1":{"partition":-1,"consumer_lag":-1}}}}}
        """;

    [Fact]
    public void ConsumerLagIsReportedPerAssignedPartition()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new KafkaClientMetrics(services.GetRequiredService<IMeterFactory>());
        using var collector = new MetricCollector<long>(
            services.GetRequiredService<IMeterFactory>(), KafkaClientMetrics.MeterName, "messaging.kafka.consumer.lag");

        metrics.Record(ConsumerStatistics, groupId: "sensor-aggregator");
        collector.RecordObservableInstruments();

        var measurement = Assert.Single(collector.GetMeasurementSnapshot());
        var (lag, tags) = (measurement.Value, measurement.Tags);
        Assert.Equal(42, lag);
        Assert.Equal("sensor-readings", tags["messaging.destination.name"]);
        Assert.Equal("0", tags["messaging.destination.partition.id"]);
        Assert.Equal("sensor-aggregator", tags["messaging.consumer.group.name"]);
        Assert.Equal("aggregator", tags["messaging.client.id"]);
        Assert.Equal(42, metrics.GetConsumerLag("sensor-readings", 0));
        Assert.Null(metrics.GetConsumerLag("sensor-readings", 1));
    }
}
