using Microsoft.Extensions.DependencyInjection;
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
}
