using Confluent.Kafka;
using SensorAspire.EmbeddedKafka.Tests.Clients;
using SensorAspire.Testing;

namespace SensorAspire.EmbeddedKafka.Tests;

/// <summary>The broker as a program: options, the printed bootstrap address, a clean stop on Ctrl+C (SIGINT).</summary>
public sealed class RunnableBrokerTests
{
    [Fact]
    public async Task RunnablePrintsItsAddressServesKcatAndStopsCleanlyOnInterrupt()
    {
        await RunnableBroker.RunAsync(["--port", "0", "--default-partitions", "3"], async bootstrap =>
        {
            var (exitCode, output, error) = await Kcat.RunAsync("", "-b", bootstrap, "-L", "-t", "runnable-auto", "-m", "5");

            Assert.True(exitCode == 0, error);
            Assert.Contains("with 3 partitions", output);
        });
    }

    [Fact]
    public async Task StoppingBrokerServesConnectedClientsUntilTheyDisconnect()
    {
        // A broker of its own: the wait watches broker-wide state (every open connection).
        await using var own = await BrokerFixture.StartAsync(new EmbeddedKafkaOptions { Port = 0 });
        var broker = own.Broker;
        var topic = BrokerFixture.UniqueTopic("grace");
        Task waitForClients;
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            await producer.ProduceAsync(topic, new Message<Null, string> { Value = "before" }, TestContext.Current.CancellationToken);
            waitForClients = broker.WaitForClientsToDisconnectAsync(TimeSpan.FromMinutes(5));

            var during = await producer.ProduceAsync(topic, new Message<Null, string> { Value = "while stopping" },
                TestContext.Current.CancellationToken);

            Assert.Equal(PersistenceStatus.Persisted, during.Status);
            Assert.False(waitForClients.IsCompleted, "the wait ended while a client was still connected");
        }

        await waitForClients.WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData("--port", "70000", "invalid value '70000' for --port")]
    [InlineData("--default-partitions", "0", "invalid value '0' for --default-partitions")]
    [InlineData("--auto-create-topics", "maybe", "invalid value 'maybe' for --auto-create-topics")]
    [InlineData("--max-connections", "0", "invalid value '0' for --max-connections")]
    [InlineData("--max-request-bytes", "100", "invalid value '100' for --max-request-bytes")]
    [InlineData("--advertised-port", "-1", "invalid value '-1' for --advertised-port")]
    [InlineData("--colour", "blue", "unknown option --colour")]
    public void BadOptionIsReportedByName(string name, string value, string expected)
    {
        var error = BrokerCommandLine.Parse([name, value], new EmbeddedKafkaOptions());

        Assert.Equal(expected, error);
    }

    [Fact]
    public void OptionsAreAppliedFromTheCommandLine()
    {
        var options = new EmbeddedKafkaOptions();

        var error = BrokerCommandLine.Parse(
            ["--port", "9093", "--advertised-host", "broker.local", "--advertised-port", "19093", "--auto-create-topics", "false", "--default-partitions", "4",
             "--max-connections", "50", "--max-request-bytes", "2048", "--shutdown-grace-ms", "1500"],
            options);

        Assert.Null(error);
        Assert.Equal((9093, "broker.local", 19093, false, 4), (options.Port, options.AdvertisedHost, options.AdvertisedPort, options.AutoCreateTopics, options.DefaultPartitions));
        Assert.Equal((50, 2048), (options.MaxConnections, options.MaxRequestBytes));
        Assert.Equal(TimeSpan.FromMilliseconds(1500), options.ShutdownGracePeriod);
    }
}
