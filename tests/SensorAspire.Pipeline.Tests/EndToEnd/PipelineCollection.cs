namespace SensorAspire.Pipeline.Tests.EndToEnd;

/// <summary>End-to-end tests run one at a time: they start whole services and share two cores.</summary>
[CollectionDefinition(Name)]
public sealed class PipelineCollection
{
    public const string Name = "pipeline";
}
