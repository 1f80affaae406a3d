using Confluent.Kafka;
using Microsoft.Extensions.Options;
using SensorAspire.Chart.Streaming;
using SensorAspire.Chart.Windows;
using SensorAspire.Contracts;

namespace SensorAspire.Chart;

/// <summary>Registers the chart's options, window store, Kafka consumer, health check and JSON.</summary>
public static class ChartServiceCollectionExtensions
{
    public static IHostApplicationBuilder AddChartServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ChartOptions>().BindConfiguration(ChartOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ChartOptions>, ValidateChartOptions>();

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ChartMetrics>();
        services.AddSingleton<WindowStore>();
        services.AddSingleton<WindowFeedStatus>();
        services.AddSingleton(_ => CreateConsumerConfig(builder.Configuration));
        services.AddHostedService<WindowUpdatesConsumer>();
        services.AddHealthChecks().AddCheck<WindowFeedHealthCheck>("window-feed");

        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, ContractsJsonContext.Default);
            json.SerializerOptions.TypeInfoResolverChain.Insert(1, ChartJsonContext.Default);
        });
        return builder;
    }

    private static ConsumerConfig CreateConsumerConfig(IConfiguration configuration)
    {
        var bootstrapServers = configuration.GetConnectionString("kafka");
        if (string.IsNullOrWhiteSpace(bootstrapServers))
        {
            throw new InvalidOperationException(
                "ConnectionStrings:kafka is missing: set it to the Kafka bootstrap servers, e.g. ConnectionStrings__kafka=127.0.0.1:9092.");
        }

        return new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            ClientId = ChartTelemetry.Name,
            // No group: partitions are assigned by hand and nothing is committed (see WindowUpdatesConsumer).
            // Confluent.Kafka's consumer cannot be built without a group id (it routes polling through librdkafka's
            // group queue), but with Assign and no commits the group is never joined and no offsets are stored.
            GroupId = "sensoraspire-chart-assign-only",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            // The aggregator creates the compacted topic; the chart must not create it with default settings.
            AllowAutoCreateTopics = false,
            // Live chart: hand over fetched data quickly rather than waiting for bigger batches.
            FetchWaitMaxMs = 100,
        };
    }
}
