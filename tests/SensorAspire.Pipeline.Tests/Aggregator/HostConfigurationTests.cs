using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SensorAspire.Aggregator;
using SensorAspire.Pipeline.Tests.EndToEnd;
using SensorAspire.ServiceDefaults;

namespace SensorAspire.Pipeline.Tests.Aggregator;

public sealed class HostConfigurationTests
{
    [Fact]
    public async Task AggregatorHostTakesItsKafkaSettingsFromConnectionStringsAndAspireSections()
    {
        await using var host = new ServiceHost<AggregatorOptions>(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = "127.0.0.1:1",
            ["Aspire:Confluent:Kafka:Consumer:Config:SessionTimeoutMs"] = "6000",
            ["Aggregator:CreateTopics"] = "false",
            ["Logging:LogLevel:Default"] = "None",
        });

        var settings = host.Services.GetRequiredService<KafkaConsumerSettings>();

        Assert.Equal("127.0.0.1:1", settings.Config.BootstrapServers);
        Assert.Equal(6000, settings.Config.SessionTimeoutMs);
        Assert.Equal(AggregatorOptions.DefaultGroupId, settings.Config.GroupId);
        Assert.False(settings.Config.EnableAutoOffsetStore);
    }

    [Fact]
    public async Task AggregatorClientDefaultsApplyUnlessConfigurationSetsThem()
    {
        await using var defaults = new ServiceHost<AggregatorOptions>(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = "127.0.0.1:1",
            ["Aggregator:CreateTopics"] = "false",
            ["Logging:LogLevel:Default"] = "None",
        });
        await using var configured = new ServiceHost<AggregatorOptions>(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = "127.0.0.1:1",
            ["Aggregator:CreateTopics"] = "false",
            ["Logging:LogLevel:Default"] = "None",
            ["Aspire:Confluent:Kafka:Consumer:Config:QueuedMaxMessagesKbytes"] = "4096",
            ["Aspire:Confluent:Kafka:Consumer:Config:FetchMaxBytes"] = "2097152",
            ["Aspire:Confluent:Kafka:Consumer:Config:FetchQueueBackoffMs"] = "50",
            ["Aspire:Confluent:Kafka:Producer:Config:QueueBufferingMaxMessages"] = "500",
            ["Aspire:Confluent:Kafka:Producer:Config:QueueBufferingMaxKbytes"] = "1024",
            ["Aspire:Confluent:Kafka:Producer:Config:DeliveryReportFields"] = "all",
        });

        var consumer = defaults.Services.GetRequiredService<KafkaConsumerSettings>().Config;
        var producer = defaults.Services.GetRequiredService<KafkaProducerSettings>().Config;
        var consumerSet = configured.Services.GetRequiredService<KafkaConsumerSettings>().Config;
        var producerSet = configured.Services.GetRequiredService<KafkaProducerSettings>().Config;

        Assert.Equal((AggregatorServiceCollectionExtensions.DefaultQueuedMaxMessagesKbytes, AggregatorServiceCollectionExtensions.DefaultFetchMaxBytes,
            AggregatorServiceCollectionExtensions.DefaultFetchQueueBackoffMs), (consumer.QueuedMaxMessagesKbytes, consumer.FetchMaxBytes, consumer.FetchQueueBackoffMs));
        Assert.Equal((AggregatorServiceCollectionExtensions.DefaultQueueBufferingMaxMessages, AggregatorServiceCollectionExtensions.DefaultQueueBufferingMaxKbytes, "key,status"),
            (producer.QueueBufferingMaxMessages, producer.QueueBufferingMaxKbytes, producer.DeliveryReportFields));
        Assert.Equal((4096, 2097152, 50), (consumerSet.QueuedMaxMessagesKbytes, consumerSet.FetchMaxBytes, consumerSet.FetchQueueBackoffMs));
        Assert.Equal((500, 1024, "all"), (producerSet.QueueBufferingMaxMessages, producerSet.QueueBufferingMaxKbytes, producerSet.DeliveryReportFields));
    }
}
