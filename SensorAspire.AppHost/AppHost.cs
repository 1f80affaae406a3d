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

builder.AddProject<Projects.SensorAspire_Simulator>("simulator")
    .WithReference(kafka).WaitFor(kafka);

builder.AddProject<Projects.SensorAspire_Aggregator>("aggregator")
    .WithReference(kafka).WaitFor(kafka);

builder.AddProject<Projects.SensorAspire_Chart>("chart")
    .WithReference(kafka).WaitFor(kafka)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health");

builder.Build().Run();
