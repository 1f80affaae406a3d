using SensorAspire.EmbeddedKafka.CodeGen;

// Reads every Messages/*.json and writes one C# file per message plus the API catalog.
var root = args.Length > 0 ? args[0] : FindRepositoryRoot();
var messagesDirectory = Path.Combine(root, "src", "SensorAspire.EmbeddedKafka.CodeGen", "Messages");
var outputDirectory = Path.Combine(root, "src", "SensorAspire.EmbeddedKafka", "Protocol", "Generated");

var specs = Directory.GetFiles(messagesDirectory, "*.json").Order(StringComparer.Ordinal).Select(MessageSpec.Load).ToList();
Directory.CreateDirectory(outputDirectory);
foreach (var stale in Directory.GetFiles(outputDirectory, "*.g.cs"))
{
    File.Delete(stale);
}

foreach (var spec in specs)
{
    File.WriteAllText(Path.Combine(outputDirectory, spec.Name + ".g.cs"), MessageEmitter.Emit(spec));
}

File.WriteAllText(Path.Combine(outputDirectory, "ApiMessageCatalog.g.cs"), CatalogEmitter.Emit(specs));
Console.WriteLine($"Generated {specs.Count} messages into {outputDirectory}");

static string FindRepositoryRoot()
{
    for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "SensorAspire.sln")))
        {
            return directory.FullName;
        }
    }

    throw new InvalidOperationException("Run from inside the repository or pass its root as the first argument.");
}
