using SensorAspire.AppHost;

var builder = DistributedApplication.CreateBuilder(args);

// Ctrl+C stops each service with SIGTERM, which `dotnet run` passes on (see ProjectStopper.cs).
builder.StopProjectsGracefully();

// Each project starts as its built program, without `dotnet run` evaluating it first (see BuiltProgramLaunch.cs).
builder.RunBuiltPrograms();

// DCP gets a certificate made for this run instead of generating an RSA one at every start (see DcpServingCertificate.cs).
builder.GiveDcpAServingCertificate();

// A resource is reported healthy at its first successful check, not at Aspire's next retry (see PromptHealthChecks.cs).
builder.CheckHealthPromptly();

// The embedded broker by default; the confluent-local container with -p:KafkaContainer=true (see SensorKafka.cs).
var kafka = builder.AddSensorKafka("kafka");

// The workers have no launch profile: each gets an HTTP endpoint of its own for /health (without one, both would
// bind Kestrel's default port 5000). Deployed, every service serves HTTP on its container's port (see ContainerPorts.cs).
builder.AddProject<Projects.SensorAspire_Simulator>("simulator")
    .WithReference(kafka).WaitFor(kafka)
    .WithHttpEndpoint().WithContainerHttpPort()
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.SensorAspire_Aggregator>("aggregator")
    .WithReference(kafka).WaitFor(kafka)
    .WithHttpEndpoint().WithContainerHttpPort()
    .WithHttpHealthCheck("/health");

// The chart exports over OTLP/HTTP (protobuf) rather than gRPC so that its page can send the browser's draw spans to the
// same dashboard endpoint: browsers cannot speak gRPC. The dashboard's OTLP/HTTP endpoint is the launch profile's
// ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL, and the AppHost allows every resource's origin in its CORS policy
// (Aspire docs, "Enable browser telemetry").
builder.AddProject<Projects.SensorAspire_Chart>("chart")
    .WithReference(kafka).WaitFor(kafka)
    .WithOtlpExporter(OtlpProtocol.HttpProtobuf)
    .WithExternalHttpEndpoints().WithContainerHttpPort()
    .WithHttpHealthCheck("/health")
    .PrintUrlWhenReady("The chart");

builder.Build().Run();
