namespace SensorAspire.Chart.Tests;

/// <summary>
/// Tests whose outcome depends on how the chart's spans are sampled. ActivityListeners are process-wide and the most
/// permissive one decides, so these run alone, never beside a test that adds a listener recording everything.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ActivityListenerCollection
{
    public const string Name = "Activity listeners";
}
