using System.Globalization;
using System.Security.Cryptography;
using SensorAspire.Testing;

namespace SensorAspire.Containers.Tests;

/// <summary>
/// The published manifest deployed as a tool would deploy it to containers on one network: the Aspire dashboard, then
/// every project resource under its resource name, with only the environment and arguments the manifest gives
/// (resolved by <see cref="ManifestResolver"/>) plus what a deployment adds for telemetry, as Aspire's Docker Compose
/// publisher does: <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (the dashboard's OTLP/gRPC), <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>,
/// <c>OTEL_SERVICE_NAME</c>, and the dashboard's API key in <c>OTEL_EXPORTER_OTLP_HEADERS</c>.
/// The broker's <c>--data-dir</c> gets a volume. Each HTTP binding is also published on a loopback port, the test's
/// view from outside (the chart's page, every service's <c>/health</c> and <c>/alive</c>). Disposing removes every
/// container, the network and the volume.
/// </summary>
internal sealed class PipelineDeployment : IAsyncDisposable
{
    public const string DashboardName = "dashboard";

    // The dashboard container's ports, as its public image serves them (frontend and API, OTLP/gRPC).
    private const int DashboardHttpPort = 18888;
    private const int DashboardOtlpGrpcPort = 18889;

    private readonly string _run = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    private readonly Dictionary<string, Uri> _httpAddresses = new(StringComparer.Ordinal);
    private readonly string _otlpApiKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    private readonly string _dashboardApiKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private PipelineDeployment()
    {
    }

    public string Network => $"sensoraspire-{_run}";

    /// <summary>The dashboard's telemetry API from the host, with its key.</summary>
    public HttpClient Dashboard { get; } = new();

    /// <summary>Every resource the deployment runs, the dashboard first.</summary>
    public List<string> Resources { get; } = [];

    public static async Task<PipelineDeployment> StartAsync(ContainerImages images)
    {
        var deployment = new PipelineDeployment();
        try
        {
            await deployment.DeployAsync(images);
            return deployment;
        }
        catch
        {
            await deployment.DisposeAsync();
            throw;
        }
    }

    /// <summary>The container of <paramref name="resource"/> (the resource's name is its name on the network).</summary>
    public string Container(string resource) => $"sensoraspire-{_run}-{resource}";

    /// <summary>Where the host reaches <paramref name="resource"/>'s HTTP binding.</summary>
    public Uri HttpAddress(string resource) => _httpAddresses[resource];

    /// <summary>Stops the containers together as <c>podman stop</c> does: SIGTERM, and SIGKILL only after 30 s.</summary>
    public Task StopAsync(params string[] resources) =>
        Podman.RunAsync(["stop", "--time", "30", .. resources.Select(Container)]);

    /// <summary>What <paramref name="resource"/> wrote to its standard output (not its standard error).</summary>
    public async Task<string> StandardOutputAsync(string resource)
    {
        var logs = await Podman.TryAsync("logs", Container(resource));
        return logs.ExitCode == 0 ? logs.Output : throw new InvalidOperationException(logs.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        Dashboard.Dispose();
        await Podman.RemoveLabelledAsync(_run);
    }

    private async Task DeployAsync(ContainerImages images)
    {
        await Podman.RunAsync("network", "create", "--label", $"{Podman.Label}={_run}", Network);

        var dashboardPort = FreePorts.Next();
        await RunAsync(DashboardName, images.Dashboard,
            new Dictionary<string, string>
            {
                ["Dashboard__Otlp__AuthMode"] = "ApiKey",
                ["Dashboard__Otlp__PrimaryApiKey"] = _otlpApiKey,
                ["Dashboard__Api__AuthMode"] = "ApiKey",
                ["Dashboard__Api__PrimaryApiKey"] = _dashboardApiKey,
            },
            [], [$"127.0.0.1:{dashboardPort}:{DashboardHttpPort}"], volume: null);
        Dashboard.BaseAddress = new Uri($"http://127.0.0.1:{dashboardPort}/");
        Dashboard.DefaultRequestHeaders.Add("x-api-key", _dashboardApiKey);

        var resolver = new ManifestResolver(images.Manifest);
        foreach (var resource in images.Manifest.Resources.Values.Where(r => r.Type == "project.v0"))
        {
            var environment = resource.Env.ToDictionary(e => e.Key, e => resolver.Resolve(e.Value), StringComparer.Ordinal);
            environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = string.Create(CultureInfo.InvariantCulture, $"http://{DashboardName}:{DashboardOtlpGrpcPort}");
            environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc";
            environment["OTEL_EXPORTER_OTLP_HEADERS"] = $"x-otlp-api-key={_otlpApiKey}";
            environment["OTEL_SERVICE_NAME"] = resource.Name;
            var arguments = resource.Args.Select(resolver.Resolve).ToList();

            List<string> published = [];
            foreach (var binding in resource.Bindings.Values.Where(b => b.Scheme == "http" && b.TargetPort is not null))
            {
                var port = FreePorts.Next();
                published.Add($"127.0.0.1:{port}:{binding.TargetPort}");
                _httpAddresses[resource.Name] = new Uri($"http://127.0.0.1:{port}/");
            }

            // The broker keeps its data where its --data-dir says: a volume of the deployment's.
            var dataDirectory = arguments.IndexOf("--data-dir") is var at and >= 0 ? arguments[at + 1] : null;
            await RunAsync(resource.Name, images.ByResource[resource.Name], environment, arguments, published,
                dataDirectory is null ? null : $"{Container(resource.Name)}-data:{dataDirectory}");
        }
    }

    private async Task RunAsync(string resource, string image, IReadOnlyDictionary<string, string> environment,
        IReadOnlyList<string> arguments, IReadOnlyList<string> published, string? volume)
    {
        List<string> run =
        [
            "run", "--detach", "--name", Container(resource), "--label", $"{Podman.Label}={_run}",
            "--network", Network, "--network-alias", resource,
        ];
        foreach (var (name, value) in environment)
        {
            run.AddRange(["--env", $"{name}={value}"]);
        }

        foreach (var port in published)
        {
            run.AddRange(["--publish", port]);
        }

        if (volume is not null)
        {
            await Podman.RunAsync("volume", "create", "--label", $"{Podman.Label}={_run}", volume[..volume.IndexOf(':')]);
            run.AddRange(["--volume", volume]);
        }

        await Podman.RunAsync([.. run, image, .. arguments]);
        Resources.Add(resource);
    }
}
