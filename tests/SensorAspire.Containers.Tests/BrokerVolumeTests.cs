using System.Globalization;
using System.Security.Cryptography;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using SensorAspire.Testing;

namespace SensorAspire.Containers.Tests;

/// <summary>
/// The broker's image with a volume at the data directory the manifest gives it: every acknowledged message outlives
/// the container, whether it is stopped with SIGTERM and replaced by a new one, or killed.
/// </summary>
public sealed class BrokerVolumeTests(ContainerImages images)
{
    private const int MessagesPerRound = 500;

    [Fact]
    public async Task EveryAcknowledgedMessageOutlivesTheBrokersContainerOnItsVolume()
    {
        var run = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var volume = $"sensoraspire-{run}-kafka-data";
        var port = FreePorts.Next();
        // The manifest's arguments, but on the host's network and advertising its loopback address: the test's clients
        // run on the host, not on a deployment's network.
        var arguments = images.Manifest.Resources["kafka"].Args.ToList();
        var dataDirectory = arguments[arguments.IndexOf("--data-dir") + 1];
        string[] brokerArguments = ["--port", $"{port}", "--advertised-host", "127.0.0.1", "--data-dir", dataDirectory];
        var bootstrap = $"127.0.0.1:{port}";
        const string topic = "kept-messages";
        try
        {
            await Podman.RunAsync("volume", "create", "--label", $"{Podman.Label}={run}", volume);
            var first = await StartBrokerAsync($"sensoraspire-{run}-kafka-1");
            using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
            {
                await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]);
            }

            var clusterId = await ClusterIdAsync();
            var sent = await ProduceAsync(0);

            // Stopped as a deployment stops it, then replaced by a new container on the same volume (an upgrade).
            await Podman.RunAsync("stop", "--time", "30", first);
            Assert.Equal(0, await Podman.ExitCodeAsync(first));
            await Podman.RunAsync("rm", first);
            var second = await StartBrokerAsync($"sensoraspire-{run}-kafka-2");
            sent.AddRange(await ProduceAsync(MessagesPerRound));

            // Killed: what it acknowledged was written to the volume's files before the acknowledgement.
            await Podman.RunAsync("kill", "--signal", "KILL", second);
            await Podman.RunAsync("wait", second);
            await Podman.RunAsync("start", second);
            await WaitForBrokerAsync();

            Assert.Equal(clusterId, await ClusterIdAsync());
            Assert.Equal(sent, Consume(sent.Count));
        }
        finally
        {
            await Podman.RemoveLabelledAsync(run);
        }

        async Task<string> StartBrokerAsync(string name)
        {
            await Podman.RunAsync(["run", "--detach", "--name", name, "--label", $"{Podman.Label}={run}", "--network", "host",
                "--volume", $"{volume}:{dataDirectory}", images.ByResource["kafka"], .. brokerArguments]);
            await WaitForBrokerAsync();
            return name;
        }

        async Task WaitForBrokerAsync()
        {
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
            await Wait.ForAsync(_ =>
            {
                try
                {
                    return Task.FromResult<Metadata?>(admin.GetMetadata(TimeSpan.FromSeconds(1)));
                }
                catch (KafkaException)
                {
                    return Task.FromResult<Metadata?>(null);
                }
            }, $"the broker container to answer on {bootstrap}");
        }

        async Task<string> ClusterIdAsync()
        {
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
            return (await admin.DescribeClusterAsync()).ClusterId;
        }

        async Task<List<string>> ProduceAsync(int first)
        {
            using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
            {
                BootstrapServers = bootstrap,
                Acks = Acks.All,
                EnableIdempotence = true,
                LingerMs = 5,
            }).Build();
            var values = Enumerable.Range(first, MessagesPerRound).Select(i => i.ToString("D6", CultureInfo.InvariantCulture)).ToList();
            var delivered = await Task.WhenAll(values.Select(v => producer.ProduceAsync(topic, new Message<Null, string> { Value = v })));
            Assert.All(delivered, d => Assert.Equal(PersistenceStatus.Persisted, d.Status));
            return values;
        }

        List<string> Consume(int count)
        {
            using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
            {
                BootstrapServers = bootstrap,
                GroupId = $"kept-{run}",
                EnableAutoCommit = false,
            }).Build();
            consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
            List<string> received = [];
            Wait.Drive(() =>
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message: { } message })
                {
                    received.Add(message.Value);
                }

                return received.Count >= count;
            }, $"{count} messages back from the restarted broker");
            return received;
        }
    }
}
