namespace SensorAspire.EmbeddedKafka.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void TestProjectRuns() => Assert.Equal(2, 1 + 1);
}
