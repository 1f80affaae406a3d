namespace SensorAspire.Containers.Tests;

/// <summary>How the deployment resolves the manifest's expressions, and that the AppHost's manifest resolves entirely.</summary>
public sealed class ManifestResolverTests(ContainerImages images)
{
    private const string Manifest = """
        {
          "resources": {
            "kafka": {
              "type": "project.v0",
              "path": "broker.csproj",
              "connectionString": "{kafka.bindings.tcp.host}:{kafka.bindings.tcp.targetPort}",
              "bindings": { "tcp": { "scheme": "tcp", "protocol": "tcp", "transport": "tcp", "targetPort": 9092 } }
            },
            "chart": {
              "type": "project.v0",
              "path": "chart.csproj",
              "env": { "ConnectionStrings__kafka": "{kafka.connectionString}", "TOKEN": "{token.value}" },
              "bindings": {
                "http": { "scheme": "http", "protocol": "tcp", "transport": "http", "targetPort": 8080, "external": true },
                "https": { "scheme": "https", "protocol": "tcp", "transport": "http", "external": true }
              }
            },
            "token": { "type": "parameter.v0", "value": "{token.inputs.value}" }
          }
        }
        """;

    private static readonly PublishedManifest s_manifest = PublishedManifest.Parse(Manifest, "/manifests");

    [Fact]
    public void ABindingResolvesToTheResourcesNameAndItsContainersPort()
    {
        var resolver = new ManifestResolver(s_manifest);

        Assert.Equal("kafka:9092", resolver.Resolve("{kafka.connectionString}"));
        Assert.Equal("http://chart:8080", resolver.Resolve("{chart.bindings.http.url}"));
        Assert.Equal("/manifests/chart.csproj", s_manifest.Resources["chart"].Path);
    }

    [Fact]
    public void AParameterResolvesToTheValueTheDeploymentGives()
    {
        var resolver = new ManifestResolver(s_manifest, new Dictionary<string, string> { ["token"] = "s3cret" });

        Assert.Equal("s3cret", resolver.Resolve(s_manifest.Resources["chart"].Env["TOKEN"]));
    }

    [Theory]
    [InlineData("{token.value}", "no value was given for parameter 'token'")]
    [InlineData("{chart.bindings.https.port}", "binding 'https' of 'chart' has no targetPort")]
    [InlineData("{chart.connectionString}", "'chart' has no connectionString")]
    [InlineData("{broker.bindings.tcp.host}", "the manifest has no resource 'broker'")]
    public void AnExpressionThatCannotBeResolvedFailsNamingIt(string expression, string reason)
    {
        var resolver = new ManifestResolver(s_manifest);

        var error = Assert.Throws<InvalidOperationException>(() => resolver.Resolve(expression));

        Assert.Equal($"{expression} cannot be resolved: {reason}", error.Message);
    }

    [Fact]
    public void EveryValueOfTheAppHostsManifestResolvesAndNoneNamesALoopbackAddress()
    {
        var resolver = new ManifestResolver(images.Manifest);

        var values = images.Manifest.Resources.Values
            .SelectMany(r => r.Args.Concat(r.Env.Values).Concat(r.ConnectionString is { } c ? [c] : []))
            .Select(resolver.Resolve)
            .ToList();

        Assert.Contains("kafka:9092", values);
        Assert.DoesNotContain(values, v => v.Contains("127.0.0.1", StringComparison.Ordinal)
            || v.Contains("localhost", StringComparison.OrdinalIgnoreCase) || v.Contains("::1", StringComparison.Ordinal));
    }
}
