using System.Text;
using System.Text.Json;
using Confluent.Kafka;

namespace SensorAspire.EmbeddedKafka.Tests;

public sealed class KcatTests(BrokerFixture fixture)
{
    [Fact]
    public async Task KcatListsTheBrokerAsControllerAndTheTopicPartitions()
    {
        var topic = BrokerFixture.UniqueTopic("kcat-meta");
        await fixture.CreateTopicAsync(topic, partitions: 3);

        var (exitCode, output, error) = await Kcat.RunAsync("", "-b", fixture.BootstrapServers, "-L", "-t", topic, "-J", "-m", "5");
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        var partitions = root.GetProperty("topics")[0].GetProperty("partitions").EnumerateArray().ToList();

        Assert.True(exitCode == 0, error);
        Assert.Equal(1, root.GetProperty("controllerid").GetInt32());
        Assert.Equal(fixture.BootstrapServers, root.GetProperty("brokers")[0].GetProperty("name").GetString());
        Assert.Equal([0, 1, 2], partitions.Select(p => p.GetProperty("partition").GetInt32()));
        Assert.All(partitions, p => Assert.Equal(1, p.GetProperty("leader").GetInt32()));
    }

    [Fact]
    public async Task KcatMetadataForAnUnknownTopicAutoCreatesIt()
    {
        var topic = BrokerFixture.UniqueTopic("kcat-auto");

        var (exitCode, output, error) = await Kcat.RunAsync("", "-b", fixture.BootstrapServers, "-L", "-t", topic, "-J", "-m", "5");
        using var json = JsonDocument.Parse(output);
        var entry = json.RootElement.GetProperty("topics")[0];

        Assert.True(exitCode == 0, error);
        Assert.Equal(topic, entry.GetProperty("topic").GetString());
        Assert.False(entry.TryGetProperty("error", out _), output);
        Assert.Single(entry.GetProperty("partitions").EnumerateArray());
    }

    [Theory]
    [InlineData("none")]
    [InlineData("gzip")]
    [InlineData("snappy")]
    [InlineData("lz4")]
    [InlineData("zstd")]
    public async Task KcatProducesKeysAndHeadersThatConfluentConsumes(string codec)
    {
        var topic = BrokerFixture.UniqueTopic("kcat-to-confluent-" + codec);
        await fixture.CreateTopicAsync(topic, partitions: 1);

        var (exitCode, _, error) = await Kcat.RunAsync("k1:v1\nk2:v2\n:no key\n",
            "-b", fixture.BootstrapServers, "-P", "-t", topic, "-K:", "-H", "h1=x", "-H", "h2=y", "-z", codec, "-m", "5");
        var received = KafkaTestClients.Consume(fixture, topic, partitions: 1, count: 3);

        Assert.True(exitCode == 0, error);
        // kcat sends an empty key (not a null one) for a line that starts with the delimiter.
        Assert.Equal(["k1", "k2", ""], received.Select(r => Encoding.UTF8.GetString(r.Message.Key!)));
        Assert.Equal(["v1", "v2", "no key"], received.Select(r => Encoding.UTF8.GetString(r.Message.Value!)));
        Assert.All(received, r => Assert.Equal(["h1=x", "h2=y"], r.Message.Headers.Select(h => h.Key + "=" + Encoding.UTF8.GetString(h.GetValueBytes()))));
    }

    [Fact]
    public async Task KcatIdempotentProducerDeliversEveryMessageOnce()
    {
        // The request observer sees every request the broker gets: a broker of its own keeps other tests' out of it.
        await using var own = await BrokerFixture.StartAsync(new EmbeddedKafkaOptions());
        var topic = BrokerFixture.UniqueTopic("kcat-idempotent");
        await own.CreateTopicAsync(topic, partitions: 1);
        var requests = new List<KafkaRequestInfo>();
        own.Broker.RequestObserver = info =>
        {
            lock (requests)
            {
                requests.Add(info);
            }
        };

        var (exitCode, _, error) = await Kcat.RunAsync(string.Join('\n', Enumerable.Range(0, 50).Select(i => "m" + i)) + "\n",
            "-b", own.BootstrapServers, "-P", "-t", topic, "-X", "enable.idempotence=true", "-m", "5");
        own.Broker.RequestObserver = null;
        var received = KafkaTestClients.Consume(own, topic, partitions: 1, count: 50);

        Assert.True(exitCode == 0, error);
        lock (requests)
        {
            Assert.Contains(requests, r => r.ApiKey == 22);
        }

        Assert.Equal(Enumerable.Range(0, 50).Select(i => "m" + i), received.Select(r => Encoding.UTF8.GetString(r.Message.Value!)));
    }

    [Theory]
    [InlineData(CompressionType.None)]
    [InlineData(CompressionType.Zstd)]
    public async Task ConfluentProducesAndKcatConsumesToTheEnd(CompressionType compression)
    {
        var topic = BrokerFixture.UniqueTopic("confluent-to-kcat-" + compression);
        await fixture.CreateTopicAsync(topic, partitions: 2);
        using (var producer = new ProducerBuilder<string, string>(fixture.ProducerConfig(compression)).Build())
        {
            for (var i = 0; i < 6; i++)
            {
                var message = new Message<string, string> { Key = "key" + i, Value = "value" + i, Headers = new Headers { { "n", Encoding.UTF8.GetBytes(i.ToString()) } } };
                await producer.ProduceAsync(new TopicPartition(topic, i % 2), message, TestContext.Current.CancellationToken)
                    .WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
            }
        }

        var (exitCode, output, error) = await Kcat.RunAsync("",
            "-b", fixture.BootstrapServers, "-C", "-t", topic, "-o", "beginning", "-e", "-f", "%p|%o|%k|%s|%h\\n", "-m", "5");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList();

        Assert.True(exitCode == 0, error);
        Assert.Equal(
            ["0|0|key0|value0|n=0", "0|1|key2|value2|n=2", "0|2|key4|value4|n=4", "1|0|key1|value1|n=1", "1|1|key3|value3|n=3", "1|2|key5|value5|n=5"],
            lines);
    }

    [Fact]
    public async Task KcatConsumingFromAnOffsetInsideABatchStartsThere()
    {
        var topic = BrokerFixture.UniqueTopic("kcat-offset");
        await fixture.CreateTopicAsync(topic, partitions: 1);
        await Kcat.RunAsync(string.Join('\n', Enumerable.Range(0, 8).Select(i => "m" + i)) + "\n", "-b", fixture.BootstrapServers, "-P", "-t", topic, "-m", "5");

        var (exitCode, output, error) = await Kcat.RunAsync("", "-b", fixture.BootstrapServers, "-C", "-t", topic, "-p", "0", "-o", "5", "-c", "2", "-f", "%o=%s\\n", "-m", "5");

        Assert.True(exitCode == 0, error);
        Assert.Equal(["5=m5", "6=m6"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
