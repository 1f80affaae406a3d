namespace SensorAspire.AppHost.Tests;

/// <summary>
/// Checks the AppHost's resource model as the AppHost builds it. CreateAsync runs AppHost.cs up to Build() and
/// stops there, so nothing is started: no containers, no DCP, no projects.
/// </summary>
public sealed class AppHostModelTests
{
    private static readonly string[] s_services = ["simulator", "aggregator", "chart"];
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task KafkaIsTheContainerBrokerWithKafkaUiByDefault()
    {
        await using var appHost = await CreateAsync([]);

        var kafka = Assert.IsType<KafkaServerResource>(Single(appHost, "kafka"));
        Assert.Contains(appHost.Resources, r => r is KafkaUIContainerResource);
        Assert.Equal("tcp", kafka.PrimaryEndpoint.EndpointName);
        Assert.DoesNotContain(appHost.Resources, r => r.Name == "kafka-broker");
    }

    [Fact]
    public async Task EveryServiceReferencesAndWaitsForKafka()
    {
        await using var appHost = await CreateAsync([]);

        foreach (var name in s_services)
        {
            var project = Assert.IsType<ProjectResource>(Single(appHost, name));
            AssertReferencesAndWaitsForKafka(project);
        }
    }

    [Fact]
    public async Task ChartHasAnExternalHttpEndpointAndAnHttpHealthCheck()
    {
        await using var appHost = await CreateAsync([]);

        var chart = Single(appHost, "chart");
        Assert.Contains(chart.Annotations.OfType<EndpointAnnotation>(), e => e.UriScheme == "http" && e.IsExternal);
        Assert.NotEmpty(chart.Annotations.OfType<HealthCheckAnnotation>());
    }

    [Fact]
    public async Task WorkersHaveAnInternalHttpEndpointForTheirHealthCheck()
    {
        await using var appHost = await CreateAsync([]);

        foreach (var name in new[] { "simulator", "aggregator" })
        {
            var worker = Single(appHost, name);
            var endpoint = Assert.Single(worker.Annotations.OfType<EndpointAnnotation>());
            Assert.Equal("http", endpoint.UriScheme);
            Assert.False(endpoint.IsExternal);
            Assert.NotEmpty(worker.Annotations.OfType<HealthCheckAnnotation>());
        }
    }

    [Fact]
    public async Task EmbeddedSwitchRunsOurBrokerAsTheKafkaConnectionString()
    {
        await using var appHost = await CreateAsync(["--Kafka:Embedded=true", "--Kafka:EmbeddedPort=19092"]);

        var kafka = Assert.IsType<ConnectionStringResource>(Single(appHost, "kafka"));
        var broker = Assert.IsType<ProjectResource>(Single(appHost, "kafka-broker"));
        var endpoint = Assert.Single(broker.Annotations.OfType<EndpointAnnotation>(), e => e.Name == "tcp");
        Assert.Equal(19092, endpoint.Port);
        Assert.Equal(19092, endpoint.TargetPort);
        Assert.False(endpoint.IsProxied);
        Assert.Equal("127.0.0.1:{kafka-broker.bindings.tcp.port}", kafka.ConnectionStringExpression.ValueExpression);
        Assert.Contains(kafka.Annotations.OfType<WaitAnnotation>(), w => w.Resource == broker);
        Assert.NotEmpty(broker.Annotations.OfType<HealthCheckAnnotation>());
        Assert.DoesNotContain(appHost.Resources, r => r is KafkaServerResource or KafkaUIContainerResource);
        foreach (var name in s_services)
        {
            AssertReferencesAndWaitsForKafka(Single(appHost, name));
        }
    }

    private static void AssertReferencesAndWaitsForKafka(IResource project)
    {
        Assert.Contains(project.Annotations.OfType<ResourceRelationshipAnnotation>(),
            r => r.Resource.Name == "kafka" && r.Type == "Reference");
        Assert.Contains(project.Annotations.OfType<WaitAnnotation>(),
            w => w.Resource.Name == "kafka" && w.WaitType == WaitType.WaitUntilHealthy);
    }

    private static IResource Single(IDistributedApplicationTestingBuilder appHost, string name)
        => Assert.Single(appHost.Resources, r => r.Name == name);

    private static Task<IDistributedApplicationTestingBuilder> CreateAsync(string[] args)
        => DistributedApplicationTestingBuilder.CreateAsync<Projects.SensorAspire_AppHost>(args, TestContext.Current.CancellationToken)
            .WaitAsync(s_timeout, TestContext.Current.CancellationToken);
}
