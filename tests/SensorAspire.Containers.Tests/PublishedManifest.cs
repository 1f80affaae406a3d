using System.Reflection;
using System.Text.Json;
using SensorAspire.Testing;

namespace SensorAspire.Containers.Tests;

/// <summary>One endpoint of a resource in the manifest (<c>bindings</c>).</summary>
internal sealed record ManifestBinding(string Scheme, int? TargetPort, int? Port, bool External);

/// <summary>One resource of the manifest: what a deployment tool reads to run it.</summary>
internal sealed record ManifestResource(
    string Name,
    string Type,
    string? Path,
    string? ConnectionString,
    string? Value,
    IReadOnlyList<string> Args,
    IReadOnlyDictionary<string, string> Env,
    IReadOnlyDictionary<string, ManifestBinding> Bindings);

/// <summary>
/// The AppHost's manifest as Aspire's manifest publisher writes it (<c>--publisher manifest</c>): the app model a
/// deployment tool reads. Project paths are resolved against the manifest's folder, as the format defines them.
/// </summary>
internal sealed class PublishedManifest
{
    private PublishedManifest(IReadOnlyDictionary<string, ManifestResource> resources) => Resources = resources;

    public IReadOnlyDictionary<string, ManifestResource> Resources { get; }

    /// <summary>
    /// Runs <c>dotnet run --project SensorAspire.AppHost --no-build -- --publisher manifest --output-path FILE</c>, the
    /// command docs/running.md gives, and reads what it wrote.
    /// </summary>
    public static async Task<PublishedManifest> PublishAsync(string outputPath)
    {
        await Command.RunAsync("dotnet",
            ["run", "--project", System.IO.Path.Combine(Repository.Root, "SensorAspire.AppHost"), "--no-build", "-c", Configuration,
             "--", "--publisher", "manifest", "--output-path", outputPath],
            TimeSpan.FromMinutes(2));
        return Parse(await File.ReadAllTextAsync(outputPath, TestContext.Current.CancellationToken), System.IO.Path.GetDirectoryName(outputPath)!);
    }

    public static PublishedManifest Parse(string json, string directory)
    {
        using var document = JsonDocument.Parse(json);
        var resources = new Dictionary<string, ManifestResource>(StringComparer.Ordinal);
        foreach (var resource in document.RootElement.GetProperty("resources").EnumerateObject())
        {
            var r = resource.Value;
            resources[resource.Name] = new ManifestResource(
                resource.Name,
                r.GetProperty("type").GetString()!,
                Text(r, "path") is { } path ? System.IO.Path.GetFullPath(path, directory) : null,
                Text(r, "connectionString"),
                Text(r, "value"),
                r.TryGetProperty("args", out var args) ? [.. args.EnumerateArray().Select(a => a.GetString()!)] : [],
                r.TryGetProperty("env", out var env)
                    ? env.EnumerateObject().ToDictionary(e => e.Name, e => e.Value.GetString()!, StringComparer.Ordinal)
                    : new Dictionary<string, string>(),
                r.TryGetProperty("bindings", out var bindings)
                    ? bindings.EnumerateObject().ToDictionary(b => b.Name, b => new ManifestBinding(
                        b.Value.GetProperty("scheme").GetString()!,
                        Number(b.Value, "targetPort"),
                        Number(b.Value, "port"),
                        b.Value.TryGetProperty("external", out var external) && external.GetBoolean()), StringComparer.Ordinal)
                    : new Dictionary<string, ManifestBinding>());
        }

        return new PublishedManifest(resources);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.GetString() : null;

    private static int? Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.GetInt32() : null;

    private static string Configuration =>
        typeof(PublishedManifest).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
}
