namespace SensorAspire.EmbeddedKafka.Tests.Cluster;

/// <summary>The cluster id: given by the host, kept by a data directory, and never mixed with another cluster's data.</summary>
public sealed class ClusterIdTests : IDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("embedded-kafka-cluster-id-").FullName;

    [Fact]
    public async Task ABrokerHasTheClusterIdItIsGiven()
    {
        await using var broker = await EmbeddedKafkaBroker.StartAsync(new EmbeddedKafkaOptions { ClusterId = "given-cluster-id-000000" },
            TestContext.Current.CancellationToken);

        Assert.Equal("given-cluster-id-000000", broker.ClusterId);
    }

    [Fact]
    public async Task ADataDirectoryKeepsItsClusterIdAcrossRestarts()
    {
        string first;
        await using (var broker = await StartOnDirectoryAsync(clusterId: null))
        {
            first = broker.ClusterId;
        }

        await using var restarted = await StartOnDirectoryAsync(clusterId: null);

        Assert.Matches("^[A-Za-z0-9_-]{22}$", first);
        Assert.Equal(first, restarted.ClusterId);
    }

    [Fact]
    public async Task ADataDirectoryOfAnotherClusterIsRefusedNamingBothIds()
    {
        await using (await StartOnDirectoryAsync("first-cluster-id-000000"))
        {
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartOnDirectoryAsync("other-cluster-id-000000"));

        Assert.Contains("first-cluster-id-000000", error.Message);
        Assert.Contains("other-cluster-id-000000", error.Message);
        await using var same = await StartOnDirectoryAsync("first-cluster-id-000000");
        Assert.Equal("first-cluster-id-000000", same.ClusterId);
    }

    [Fact]
    public void ClusterIdIsAppliedFromTheCommandLine()
    {
        var options = new EmbeddedKafkaOptions();

        Assert.Null(BrokerCommandLine.Parse(["--cluster-id", "cli-cluster-id-00000000"], options));
        Assert.Equal("cli-cluster-id-00000000", options.ClusterId);
    }

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    private Task<EmbeddedKafkaBroker> StartOnDirectoryAsync(string? clusterId) =>
        EmbeddedKafkaBroker.StartAsync(new EmbeddedKafkaOptions { DataDirectory = _dataDirectory, ClusterId = clusterId },
            TestContext.Current.CancellationToken);
}
