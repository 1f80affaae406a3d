namespace SensorAspire.AppHost.Tests;

/// <summary>
/// The tests that run the AppHost share one running instance and never run beside the tests that start their own: on
/// two cores, two AppHosts with four services each would only slow each other down.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AppHostCollection : ICollectionFixture<RunningAppHost>
{
    public const string Name = "AppHost";
}
