using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SensorAspire.EmbeddedKafka;

namespace SensorAspire.AppHost.Tests;

/// <summary>
/// The AppHost's resource model as AppHost.cs builds it. CreateAsync runs AppHost.cs up to Build() and stops there, so
/// nothing is started.
/// </summary>
public sealed class AppHostModelTests
{
    private static readonly string[] s_services = ["simulator", "aggregator", "chart"];
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

#if KAFKA_CONTAINER
    [Fact]
    public async Task KafkaIsTheConfluentLocalContainerWithKafkaUiAndAComposeEnvironment()
    {
        await using var appHost = await CreateAsync(["--Kafka:Port=19092"]);

        var kafka = Assert.IsType<KafkaServerResource>(Single(appHost, "kafka"));
        Assert.Contains(appHost.Resources, r => r is KafkaUIContainerResource);
        Assert.Contains(appHost.Resources, r => r is Aspire.Hosting.Docker.DockerComposeEnvironmentResource);
        var endpoint = Assert.Single(kafka.Annotations.OfType<EndpointAnnotation>(), e => e.Name == "tcp");
        Assert.Equal(19092, endpoint.Port);
    }
#else
    [Fact]
    public async Task KafkaIsOneResourceThatRunsTheEmbeddedBrokerOnTheTutorialPortWithADirectoryAndAClusterIdForTheRun()
    {
        await using var appHost = await CreateAsync([]);

        var kafka = Assert.IsType<EmbeddedKafkaResource>(Single(appHost, "kafka"));
        var endpoint = Assert.Single(kafka.Annotations.OfType<EndpointAnnotation>(), e => e.Name == "tcp");
        Assert.Equal(9092, endpoint.Port);
        Assert.Equal(9092, endpoint.TargetPort);
        Assert.False(endpoint.IsProxied);
        Assert.Equal("{kafka.bindings.tcp.host}:{kafka.bindings.tcp.targetPort}", kafka.ConnectionStringExpression.ValueExpression);
        // One row in the dashboard: besides the broker, only its own children (the hidden Rebuild helper every project has).
        Assert.All(appHost.Resources.Where(r => r.Name.StartsWith("kafka", StringComparison.Ordinal) && r != kafka),
            r => Assert.Same(kafka, Assert.IsAssignableFrom<IResourceWithParent>(r).Parent));
        Assert.Single(appHost.Resources, r => r is IResourceWithConnectionString);

        var arguments = await ArgumentsAsync(kafka);
        Assert.Equal(["--port", "9092", "--advertised-host", "127.0.0.1", "--cluster-id", kafka.ClusterId!, "--data-dir"], arguments.SkipLast(1));
        Assert.Matches("^[A-Za-z0-9_-]{22}$", kafka.ClusterId);
        // The run's directory is only named while the model is built: it is created when the application starts.
        Assert.StartsWith(Path.Combine(Path.GetTempPath(), "sensoraspire-kafka-"), arguments[^1], StringComparison.Ordinal);
        Assert.False(Directory.Exists(arguments[^1]));
    }

    [Fact]
    public async Task EveryRunHasAClusterIdOfItsOwn()
    {
        await using var first = await CreateAsync([]);
        await using var second = await CreateAsync([]);

        Assert.NotEqual(Assert.IsType<EmbeddedKafkaResource>(Single(first, "kafka")).ClusterId,
            Assert.IsType<EmbeddedKafkaResource>(Single(second, "kafka")).ClusterId);
    }

    [Fact]
    public async Task KafkaPortAndDataDirectoryComeFromConfigurationAndAKeptDirectoryKeepsItsClusterId()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("sensoraspire-model-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dataDirectory, "cluster-id"), "kept-cluster-id-0000000", TestContext.Current.CancellationToken);
            await using var appHost = await CreateAsync(["--Kafka:Port=19092", $"--Kafka:DataDirectory={dataDirectory}"]);

            var kafka = Assert.IsType<EmbeddedKafkaResource>(Single(appHost, "kafka"));
            var endpoint = Assert.Single(kafka.Annotations.OfType<EndpointAnnotation>(), e => e.Name == "tcp");
            Assert.Equal(19092, endpoint.Port);
            Assert.Equal("kept-cluster-id-0000000", kafka.ClusterId);
            Assert.Equal(["--port", "19092", "--advertised-host", "127.0.0.1", "--cluster-id", "kept-cluster-id-0000000", "--data-dir", dataDirectory],
                await ArgumentsAsync(kafka));
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task ARelativeDataDirectoryIsUnderTheAppHostProject()
    {
        await using var appHost = await CreateAsync(["--Kafka:DataDirectory=.data/kafka"]);

        Assert.Equal(Path.Combine(appHost.AppHostDirectory, ".data", "kafka"), (await ArgumentsAsync(Single(appHost, "kafka")))[^1]);
    }

    [Fact]
    public async Task MemoryOnlyGivesTheBrokerNoDataDirectory()
    {
        await using var appHost = await CreateAsync(["--Kafka:MemoryOnly=true"]);

        Assert.DoesNotContain("--data-dir", await ArgumentsAsync(Single(appHost, "kafka")));
    }

    [Fact]
    public async Task MemoryOnlyWithADataDirectoryIsRejectedNamingBothKeys()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => CreateAsync(["--Kafka:MemoryOnly=true", "--Kafka:DataDirectory=.data/kafka"]));

        Assert.Contains("Kafka:MemoryOnly", error.ToString());
        Assert.Contains("Kafka:DataDirectory", error.ToString());
    }

    [Fact]
    public async Task KafkaIsHealthyOnlyWhenThisRunsBrokerAnswersAKafkaRequest()
    {
        await using var appHost = await CreateAsync([]);
        var kafka = Assert.IsType<EmbeddedKafkaResource>(Single(appHost, "kafka"));
        var annotation = Assert.Single(kafka.Annotations.OfType<HealthCheckAnnotation>());
        await using var services = appHost.Services.BuildServiceProvider();
        var registration = Assert.Single(
            services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations, r => r.Name == annotation.Key);
        var check = registration.Factory(services);
        var context = new HealthCheckContext { Registration = registration };
        var ct = TestContext.Current.CancellationToken;

        // A port that accepts connections but does not speak Kafka: open, yet not healthy.
        using (var notKafka = new TcpListener(IPAddress.Loopback, 0))
        {
            notKafka.Start();
            Allocate(kafka, ((IPEndPoint)notKafka.LocalEndpoint).Port);
            using var stopAccepting = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var accepting = AcceptAndCloseAsync(notKafka, stopAccepting.Token);
            Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(context, ct)).Status);
            await stopAccepting.CancelAsync();
            await accepting;
        }

        // Another Kafka on the port: it answers, but as another cluster.
        await using (var foreign = await EmbeddedKafkaBroker.StartAsync(new EmbeddedKafkaOptions { Port = 0 }, ct))
        {
            Allocate(kafka, foreign.Port);
            var result = await check.CheckHealthAsync(context, ct);
            Assert.Equal(HealthStatus.Unhealthy, result.Status);
            Assert.Contains($"port {foreign.Port} is in use by another process (another Kafka", result.Description);
            Assert.Contains("set Kafka:Port to a free port, or stop it", result.Description);
        }

        await using var broker = await EmbeddedKafkaBroker.StartAsync(new EmbeddedKafkaOptions { Port = 0, ClusterId = kafka.ClusterId }, ct);
        Allocate(kafka, broker.Port);
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(context, ct)).Status);
    }

    private static void Allocate(EmbeddedKafkaResource kafka, int port)
    {
        var endpoint = Assert.Single(kafka.Annotations.OfType<EndpointAnnotation>(), e => e.Name == "tcp");
        endpoint.AllocatedEndpoint = new AllocatedEndpoint(endpoint, "127.0.0.1", port);
    }

    /// <summary>Accepts and closes every connection (the check tries again until its patience runs out) until stopped.</summary>
    private static async Task AcceptAndCloseAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                using var client = await listener.AcceptTcpClientAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
#endif

    [Fact]
    public async Task EveryServiceGetsTheKafkaConnectionStringAndWaitsForKafkaToBeHealthy()
    {
        await using var appHost = await CreateAsync(["--Kafka:Port=19092"]);
        AllocateEveryEndpoint(appHost);

        foreach (var name in s_services)
        {
            var project = Assert.IsType<ProjectResource>(Single(appHost, name));
            Assert.Contains(project.Annotations.OfType<WaitAnnotation>(),
                w => w.Resource.Name == "kafka" && w.WaitType == WaitType.WaitUntilHealthy);
            var environment = (await ExecutionConfigurationAsync(project)).EnvironmentVariables.ToDictionary();
#if KAFKA_CONTAINER
            Assert.Equal("localhost:19092", environment["ConnectionStrings__kafka"]);
#else
            Assert.Equal("127.0.0.1:19092", environment["ConnectionStrings__kafka"]);
#endif
            Assert.Equal("19092", environment["KAFKA_PORT"]);
        }
    }

#if !KAFKA_CONTAINER
    [Fact]
    public async Task PublishedKafkaIsReachedByItsResourceNameOnTheContainerPortAndKeepsItsDataInTheVolumePath()
    {
        await using var appHost = await CreateAsync(["--publisher", "manifest", "--output-path", Path.Combine(Path.GetTempPath(), "unused.json")]);

        var kafka = Assert.IsType<EmbeddedKafkaResource>(Single(appHost, "kafka"));
        var endpoint = Assert.Single(kafka.Annotations.OfType<EndpointAnnotation>(), e => e.Name == "tcp");
        Assert.Equal(EmbeddedKafkaResource.ContainerPort, endpoint.TargetPort);
        Assert.Null(kafka.ClusterId);
        Assert.Equal(["--port", "{kafka.bindings.tcp.targetPort}", "--advertised-host", "{kafka.bindings.tcp.host}", "--data-dir", EmbeddedKafkaResource.ContainerDataDirectory],
            await ManifestArgumentsAsync(kafka));
    }
#endif

    [Fact]
    public async Task ChartHasAnExternalHttpEndpointAndAnHttpHealthCheck()
    {
        await using var appHost = await CreateAsync([]);

        var chart = Single(appHost, "chart");
        Assert.Contains(chart.Annotations.OfType<EndpointAnnotation>(), e => e.UriScheme == "http" && e.IsExternal);
        Assert.NotEmpty(chart.Annotations.OfType<HealthCheckAnnotation>());
    }

    [Fact]
    public async Task ChartExportsOverOtlpHttpSoItsPageCanSendDrawSpansToTheDashboard()
    {
        await using var appHost = await CreateAsync([]);

        var chart = Single(appHost, "chart");
        Assert.Contains(chart.Annotations.OfType<OtlpExporterAnnotation>(), a => a.RequiredProtocol == OtlpProtocol.HttpProtobuf);
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

    [Theory]
    [InlineData("0")]
    [InlineData("70000")]
    public async Task AnInvalidKafkaPortIsRejectedNamingTheKey(string port)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => CreateAsync([$"--Kafka:Port={port}"]));

        Assert.Contains("Kafka:Port", error.ToString());
    }

    private static async Task<IReadOnlyList<string>> ManifestArgumentsAsync(IResource resource)
    {
        List<string> arguments = [];
        foreach (var callback in resource.Annotations.OfType<CommandLineArgsCallbackAnnotation>())
        {
            var context = new CommandLineArgsCallbackContext([], resource, TestContext.Current.CancellationToken);
            await callback.Callback(context);
            arguments.AddRange(context.Args.Select(a => a switch
            {
                string text => text,
                IManifestExpressionProvider expression => expression.ValueExpression,
                _ => $"{a}",
            }));
        }

        return arguments;
    }

    private static async Task<IReadOnlyList<string>> ArgumentsAsync(IResource resource)
        => [.. (await ExecutionConfigurationAsync(resource)).Arguments.Select(a => a.Value)];

    /// <summary>The arguments and environment DCP would be given for <paramref name="resource"/> in run mode.</summary>
    private static Task<IExecutionConfigurationResult> ExecutionConfigurationAsync(IResource resource)
        => ExecutionConfigurationBuilder.Create(resource)
            .WithArgumentsConfig()
            .WithEnvironmentVariablesConfig()
            .BuildAsync(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run), NullLogger.Instance,
                TestContext.Current.CancellationToken);

    /// <summary>
    /// What DCP does at start: every endpoint gets an address (its fixed port, or one of ours), so that references to
    /// endpoints resolve without starting anything.
    /// </summary>
    private static void AllocateEveryEndpoint(IDistributedApplicationTestingBuilder appHost)
    {
        var nextPort = 30000;
        foreach (var endpoint in appHost.Resources.SelectMany(r => r.Annotations.OfType<EndpointAnnotation>()))
        {
            endpoint.AllocatedEndpoint = new AllocatedEndpoint(endpoint, "localhost", endpoint.Port ?? nextPort++);
        }
    }

    private static IResource Single(IDistributedApplicationTestingBuilder appHost, string name)
        => Assert.Single(appHost.Resources, r => r.Name == name);

    private static Task<IDistributedApplicationTestingBuilder> CreateAsync(string[] args)
        => DistributedApplicationTestingBuilder.CreateAsync<Projects.SensorAspire_AppHost>(args, TestContext.Current.CancellationToken)
            .WaitAsync(s_timeout, TestContext.Current.CancellationToken);
}
