using SensorAspire.EmbeddedKafka.Tests.Clients;
using SensorAspire.EmbeddedKafka.Tests.Storage;

namespace SensorAspire.EmbeddedKafka.Tests;

/// <summary>The runnable's storage options, and a restart of the real program on the same --data-dir.</summary>
public sealed class StorageCommandLineTests
{
    [Fact]
    public void StorageOptionsAreAppliedFromTheCommandLine()
    {
        var options = new EmbeddedKafkaOptions();

        var error = BrokerCommandLine.Parse(
            ["--data-dir", "/tmp/kafka-data", "--sync-writes", "true", "--segment-bytes", "4096", "--retention-bytes", "1000000", "--retention-ms", "-1"], options);

        Assert.Null(error);
        Assert.Equal(("/tmp/kafka-data", true, 4096, 1_000_000L, Timeout.InfiniteTimeSpan),
            (options.DataDirectory, options.SyncWrites, options.SegmentBytes, options.RetentionBytes, options.RetentionTime));
    }

    [Theory]
    [InlineData("--segment-bytes", "0", "invalid value '0' for --segment-bytes")]
    [InlineData("--retention-bytes", "-2", "invalid value '-2' for --retention-bytes")]
    [InlineData("--retention-ms", "week", "invalid value 'week' for --retention-ms")]
    [InlineData("--sync-writes", "sometimes", "invalid value 'sometimes' for --sync-writes")]
    public void BadStorageOptionIsReportedByName(string name, string value, string expected)
    {
        Assert.Equal(expected, BrokerCommandLine.Parse([name, value], new EmbeddedKafkaOptions()));
    }

    [Fact]
    public async Task MessagesProducedWithKcatAreStillThereAfterTheProgramIsRestartedOnTheSameDataDirectory()
    {
        using var directory = new TemporaryDirectory();
        var topic = BrokerFixture.UniqueTopic("runnable-persist");
        await RunBrokerAsync(directory, async bootstrap =>
        {
            var (exitCode, _, error) = await Kcat.RunAsync("one\ntwo\nthree\n", "-b", bootstrap, "-P", "-t", topic);
            Assert.True(exitCode == 0, error);
        });

        string consumed = "";
        await RunBrokerAsync(directory, async bootstrap =>
        {
            var (exitCode, output, error) = await Kcat.RunAsync("", "-b", bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q");
            Assert.True(exitCode == 0, error);
            consumed = output;
        });

        Assert.Equal(["one", "two", "three"], consumed.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private static Task RunBrokerAsync(TemporaryDirectory directory, Func<string, Task> use)
        => RunnableBroker.RunAsync(["--port", "0", "--data-dir", directory.Path], use);
}
