namespace SensorAspire.Simulator;

/// <summary>How simulated values evolve.</summary>
public enum ValuePattern
{
    /// <summary>Each reading is uniform in the sensor's range (the tutorial's <c>random.uniform</c>).</summary>
    Uniform,

    /// <summary>Each reading moves from the previous one by at most RandomWalkStep, reflected at the range's bounds.</summary>
    RandomWalk,
}
