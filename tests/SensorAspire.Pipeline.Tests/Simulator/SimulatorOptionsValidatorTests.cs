using SensorAspire.Simulator;

namespace SensorAspire.Pipeline.Tests.Simulator;

public sealed class SimulatorOptionsValidatorTests
{
    [Fact]
    public void DefaultsReproduceTheTutorialAndAreValid()
    {
        var options = new SimulatorOptions();

        var result = new SimulatorOptionsValidator().Validate(null, options);

        Assert.True(result.Succeeded);
        Assert.Equal(["temp1", "temp2"], Enumerable.Range(0, options.SensorCount).Select(options.SensorId));
        Assert.Equal([(20.0, 39.0), (10.0, 29.0)], options.EffectiveRanges.Select(r => (r.Min, r.Max)));
    }

    [Fact]
    public void EveryProblemIsReportedWithTheKeyToSet()
    {
        var options = new SimulatorOptions
        {
            SensorCount = 0,
            Interval = TimeSpan.FromSeconds(1),
            TargetRate = 1000,
            Pattern = ValuePattern.RandomWalk,
            RandomWalkStep = -1,
            Ranges = [new ValueRange(5, 1)],
        };

        var result = new SimulatorOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Simulator:SensorCount", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("Simulator:Interval", StringComparison.Ordinal) && f.Contains("Simulator:TargetRate", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Simulator:RandomWalkStep", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Simulator:Ranges:0", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-5.0)]
    [InlineData(double.NaN)]
    public void TargetRateMustBePositive(double rate)
    {
        var result = new SimulatorOptionsValidator().Validate(null, new SimulatorOptions { TargetRate = rate });

        Assert.Contains(result.Failures!, f => f.StartsWith("Simulator:TargetRate", StringComparison.Ordinal));
    }

    [Fact]
    public void RandomWalkStaysInsideTheSensorsRange()
    {
        var generator = new ValueGenerator(new SimulatorOptions { Pattern = ValuePattern.RandomWalk, RandomWalkStep = 5, Seed = 7 });

        var values = Enumerable.Range(0, 10_000).Select(_ => generator.Next(1)).ToList();

        Assert.All(values, v => Assert.InRange(v, 10, 29));
        Assert.All(values.Zip(values.Skip(1)), p => Assert.InRange(Math.Abs(p.First - p.Second), 0, 5));
    }
}
