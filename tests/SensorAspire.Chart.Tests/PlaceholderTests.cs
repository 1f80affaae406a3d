namespace SensorAspire.Chart.Tests;

public sealed class PlaceholderTests
{
    [Fact]
    public void ProjectBuilds() => Assert.Equal(4, 2 * 2);
}
