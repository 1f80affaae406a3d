using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using SensorAspire.ServiceDefaults;

namespace SensorAspire.Pipeline.Tests.ServiceDefaults;

public sealed class KafkaStaticMembershipTests
{
    private static IConfiguration Configuration(params (string Key, string Value)[] settings)
        => new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

    [Fact]
    public void UnderAspireTheInstanceIdIsTheServiceNameAndTheReplicasInstanceId()
    {
        // What Aspire gives a replica: OTEL_SERVICE_NAME is the resource, service.instance.id the replica's DCP suffix.
        var configuration = Configuration(
            ("OTEL_SERVICE_NAME", "aggregator"),
            ("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=dev, service.instance.id=k3b9x2vz"));

        Assert.Equal("aggregator-k3b9x2vz", KafkaStaticMembership.DefaultGroupInstanceId(configuration, "fallback"));
    }

    [Fact]
    public void InAContainerTheInstanceIdIsTheServiceNameAndTheHostName()
    {
        var configuration = Configuration(("DOTNET_RUNNING_IN_CONTAINER", "true"));

        Assert.Equal($"aggregator-{Environment.MachineName}", KafkaStaticMembership.DefaultGroupInstanceId(configuration, "aggregator"));
    }

    [Fact]
    public void OutsideAspireAndContainersThereIsNoInstanceId()
        => Assert.Null(KafkaStaticMembership.DefaultGroupInstanceId(Configuration(("OTEL_SERVICE_NAME", "aggregator")), "aggregator"));

    [Theory]
    [InlineData(null, "aggregator-a1", "aggregator-a1")]
    [InlineData("configured", "aggregator-a1", "configured")]
    [InlineData("", "aggregator-a1", null)]
    public void ConfigurationWinsAndAnEmptyValueTurnsStaticMembershipOff(string? configured, string defaultId, string? expected)
    {
        var config = new ConsumerConfig { GroupInstanceId = configured };

        KafkaStaticMembership.Apply(config, defaultId);

        Assert.Equal(expected, config.GroupInstanceId);
        Assert.Equal(expected is not null, config.Any(kv => kv.Key == "group.instance.id"));
    }
}
