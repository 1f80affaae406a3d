using SensorAspire.EmbeddedKafka.CodeGen;
using SensorAspire.Testing;

namespace SensorAspire.EmbeddedKafka.Tests.CodeGen;

public sealed class CodeGenTests
{
    [Fact]
    public void CommittedCodecsMatchWhatTheGeneratorWritesFromTheCommittedSchemas()
    {
        var root = Repository.Root;
        var generated = Path.Combine(root, "src", "SensorAspire.EmbeddedKafka", "Protocol", "Generated");
        var specs = Directory.GetFiles(Path.Combine(root, "src", "SensorAspire.EmbeddedKafka.CodeGen", "Messages"), "*.json")
            .Order(StringComparer.Ordinal)
            .Select(MessageSpec.Load)
            .ToList();

        foreach (var spec in specs)
        {
            Assert.True(
                MessageEmitter.Emit(spec) == File.ReadAllText(Path.Combine(generated, spec.Name + ".g.cs")),
                $"{spec.Name}.g.cs is stale: run dotnet run --project src/SensorAspire.EmbeddedKafka.CodeGen");
        }

        Assert.Equal(CatalogEmitter.Emit(specs), File.ReadAllText(Path.Combine(generated, "ApiMessageCatalog.g.cs")));
        Assert.Equal(specs.Count + 1, Directory.GetFiles(generated, "*.g.cs").Length);
    }
}
