using Microsoft.Extensions.Configuration;
using SensorAspire.AppHost;

var builder = DistributedApplication.CreateBuilder(args);

// `docker-compose.yaml` for `aspire publish`; in run mode this adds nothing to the model.
builder.AddDockerComposeEnvironment("compose");

// Kafka:Embedded=true runs our own broker as the `kafka` resource instead of the confluent-local container, so
// the dashboard works without Docker. Publishing always uses the container.
IResourceBuilder<IResourceWithConnectionString> kafka =
    builder.ExecutionContext.IsRunMode && builder.Configuration.GetValue<bool>(EmbeddedKafkaResourceExtensions.SwitchKey)
        ? builder.AddEmbeddedKafka("kafka")
        : builder.AddKafka("kafka").WithKafkaUI();

// The workers have no launch profile: each gets an HTTP endpoint of its own for /health (without one, both would
// bind Kestrel's default port 5000).
builder.AddProject<Projects.SensorAspire_Simulator>("simulator")
    .WithReference(kafka).WaitFor(kafka)
    .WithHttpEndpoint()
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.SensorAspire_Aggregator>("aggregator")
    .WithReference(kafka).WaitFor(kafka)
    .WithHttpEndpoint()
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.SensorAspire_Chart>("chart")
    .WithReference(kafka).WaitFor(kafka)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health");

builder.Build().Run();
