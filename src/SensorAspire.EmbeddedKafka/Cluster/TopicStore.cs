using System.Text.Json;

namespace SensorAspire.EmbeddedKafka.Cluster;

/// <summary>
/// The topics part of a data directory: <c>topics/&lt;name&gt;-&lt;id&gt;/topic.json</c> plus one folder of segment files
/// per partition (<c>0/00000000000000000000.log</c>, ...). A topic folder is named after the id too, so a topic
/// deleted and created again never meets its predecessor's files. topic.json is written last on creation (atomically,
/// by rename) and deleted first on deletion, so a folder without it is the remains of an interrupted create or
/// delete and is removed on start-up.
/// </summary>
internal sealed class TopicStore(string dataDirectory)
{
    private const string ManifestFile = "topic.json";

    private readonly string _root = Path.Combine(dataDirectory, "topics");

    /// <summary>Name and id; the id alone for names so long that the folder name would pass the file system's 255 bytes.</summary>
    public string DirectoryFor(string name, Guid id) => Path.Combine(_root, name.Length <= 200 ? $"{name}-{id:N}" : $"{id:N}");

    /// <summary>Every topic found, with its folder; leftovers of interrupted creates and deletes are removed.</summary>
    public List<(TopicManifest Manifest, string Directory)> Load()
    {
        Directory.CreateDirectory(_root);
        var topics = new List<(TopicManifest, string)>();
        foreach (var directory in Directory.EnumerateDirectories(_root))
        {
            var manifestPath = Path.Combine(directory, ManifestFile);
            var manifest = File.Exists(manifestPath)
                ? JsonSerializer.Deserialize(File.ReadAllBytes(manifestPath), StorageJsonContext.Default.TopicManifest)
                : null;
            if (manifest is null)
            {
                Directory.Delete(directory, recursive: true);
                continue;
            }

            topics.Add((manifest, directory));
        }

        return topics;
    }

    /// <summary>Writes topic.json (fsynced, then renamed into place) once the partition folders exist.</summary>
    public void Save(TopicManifest manifest, string directory)
    {
        var path = Path.Combine(directory, ManifestFile);
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            JsonSerializer.Serialize(file, manifest, StorageJsonContext.Default.TopicManifest);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public static void Delete(string directory)
    {
        File.Delete(Path.Combine(directory, ManifestFile));
        Directory.Delete(directory, recursive: true);
    }
}
