using SensorAspire.Simulator;

namespace SensorAspire.Pipeline.Tests.Simulator;

/// <summary>Each documented <c>Simulator:*</c> value setting has its effect (the topic and modes run end to end).</summary>
public sealed class SimulatorSettingsTests
{
    [Fact]
    public void SensorCountAndSensorIdPrefixNameTheSensors()
    {
        var options = new SimulatorOptions { SensorCount = 3, SensorIdPrefix = "dev-" };

        Assert.Equal(["dev-1", "dev-2", "dev-3"], Enumerable.Range(0, options.SensorCount).Select(options.SensorId));
    }

    [Fact]
    public void RangesAreCycledOverTheSensors()
    {
        var options = new SimulatorOptions { SensorCount = 3, Seed = 1, Ranges = [new(0, 1), new(100, 101)] };
        var values = new ValueGenerator(options);

        var drawn = Enumerable.Range(0, 300).Select(i => (Sensor: i % 3, Value: values.Next(i % 3))).ToList();

        Assert.All(drawn.Where(d => d.Sensor != 1), d => Assert.InRange(d.Value, 0, 1));
        Assert.All(drawn.Where(d => d.Sensor == 1), d => Assert.InRange(d.Value, 100, 101));
    }

    [Fact]
    public void RandomWalkMovesAtMostRandomWalkStepAndStaysInItsRange()
    {
        var options = new SimulatorOptions { SensorCount = 1, Seed = 2, Pattern = ValuePattern.RandomWalk, RandomWalkStep = 0.25, Ranges = [new(10, 12)] };
        var values = new ValueGenerator(options);

        var walk = Enumerable.Range(0, 1000).Select(_ => values.Next(0)).ToList();

        Assert.All(walk.Zip(walk.Skip(1)), step => Assert.True(Math.Abs(step.Second - step.First) <= 0.25 + 1e-9, $"{step.First} -> {step.Second}"));
        Assert.All(walk, v => Assert.InRange(v, 10, 12));
        // Uniform draws over [10, 12] would jump by more than the step most of the time.
        var uniform = new ValueGenerator(new SimulatorOptions { SensorCount = 1, Seed = 2, Ranges = [new(10, 12)] });
        var jumps = Enumerable.Range(0, 1000).Select(_ => uniform.Next(0)).ToList();
        Assert.Contains(jumps.Zip(jumps.Skip(1)), step => Math.Abs(step.Second - step.First) > 0.25);
    }

    [Fact]
    public void SameSeedGivesTheSameValues()
    {
        static List<double> Draw(int? seed)
        {
            var values = new ValueGenerator(new SimulatorOptions { SensorCount = 2, Seed = seed });
            return [.. Enumerable.Range(0, 20).Select(i => values.Next(i % 2))];
        }

        Assert.Equal(Draw(42), Draw(42));
        Assert.NotEqual(Draw(42), Draw(43));
    }
}
