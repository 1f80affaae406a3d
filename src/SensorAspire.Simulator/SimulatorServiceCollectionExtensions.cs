using Microsoft.Extensions.DependencyInjection.Extensions;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using SensorAspire.ServiceDefaults;
using SensorAspire.Simulator;

namespace Microsoft.Extensions.Hosting;

/// <summary>Registers the simulator: validated options, the Kafka producer on connection "kafka", the worker.</summary>
public static class SimulatorServiceCollectionExtensions
{
    /// <summary>The connection name (<c>ConnectionStrings:kafka</c>) the simulator's producer uses.</summary>
    public const string ConnectionName = "kafka";

    public static IHostApplicationBuilder AddSimulatorServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SimulatorOptions>()
            .BindConfiguration(SimulatorOptions.SectionName)
            // The aggregator owns the readings topic now (one owner, one partitions setting).
            .WithRemovedKey($"{SimulatorOptions.SectionName}:Partitions", "the aggregator creates the readings topic with Aggregator:Partitions")
            .WithRemovedKey($"{SimulatorOptions.SectionName}:CreateTopics", "the aggregator creates the readings topic unless Aggregator:CreateTopics is false")
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<SimulatorOptions>, SimulatorOptionsValidator>();

        builder.AddKafkaProducer<string, byte[]>(ConnectionName, ConfigureProducer);

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SimulatorTelemetry>();
        builder.Services.AddSingleton<ReadingProducerWorker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReadingProducerWorker>());
        return builder;
    }

    // Durable, ordered, no duplicates on retry: acks=all and idempotence, unless configuration says otherwise.
    internal static void ConfigureProducer(KafkaProducerSettings settings)
    {
        settings.Config.Acks ??= Acks.All;
        settings.Config.EnableIdempotence ??= true;
        settings.Config.LingerMs ??= 5;

        // Delivery reports need only the outcome (and the key for the failure log); by default the client also
        // copies each message's headers and timestamp back out of librdkafka for every report.
        settings.Config.DeliveryReportFields ??= "key,status";
    }
}
