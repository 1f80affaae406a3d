using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using SensorAspire.Testing;

namespace SensorAspire.Containers.Tests;

/// <summary>
/// Every image the container tests run, built once per test run with no pulls (public images cannot be pulled where
/// our tests run):
/// - the stand-in base (scripts/containers/stand-in-images.sh aspnet), pushed to a local registry for the SDK;
/// - each project of the published manifest, with the SDK (<c>dotnet publish -t:PublishContainer</c>) on that base;
/// - the Aspire dashboard from the package the AppHost runs, and kcat for the tutorial's producer.
/// The stand-ins are kept between runs (tagged by what they are built from); the app's images are removed at the end.
/// </summary>
public sealed partial class ContainerImages : IAsyncLifetime
{
    /// <summary>The tag of the app's images built on the stand-in base, never the product's <c>latest</c>.</summary>
    public const string Tag = "stand-in";

    private static readonly TimeSpan s_buildTimeout = TimeSpan.FromMinutes(10);

    private readonly Dictionary<string, string> _byResource = new(StringComparer.Ordinal);
    private DirectoryInfo? _directory;

    internal PublishedManifest Manifest { get; private set; } = null!;

    /// <summary>The image of each project resource of the manifest, by resource name.</summary>
    public IReadOnlyDictionary<string, string> ByResource => _byResource;

    public string Dashboard { get; private set; } = "";

    public string Kcat { get; private set; } = "";

    /// <summary>How long each step took, for the test output: the first run on a machine builds the stand-ins too.</summary>
    public IReadOnlyList<string> Timings => _timings;

    private readonly List<string> _timings = [];

    public async ValueTask InitializeAsync()
    {
        // What an aborted run left behind would collide with this run's names and ports.
        await Podman.RemoveLabelledAsync();
        _directory = Directory.CreateTempSubdirectory("sensoraspire-containers-");
        Manifest = await TimedAsync("manifest published", () => PublishedManifest.PublishAsync(Path.Combine(_directory.FullName, "aspire-manifest.json")));

        var baseImage = await TimedAsync("stand-in aspnet base", () => StandInAsync("aspnet"));
        Dashboard = await TimedAsync("stand-in dashboard", () => StandInAsync("dashboard", DashboardDirectory()));
        Kcat = await TimedAsync("stand-in kcat", () => StandInAsync("kcat"));

        await using var registry = await LocalRegistry.StartAsync(RegistryStorage());
        var remoteBase = $"{registry.Address}/{baseImage["localhost/".Length..]}";
        await TimedAsync("base pushed to the local registry", () => Podman.RunAsync("push", "--quiet", "--tls-verify=false", baseImage, remoteBase));
        foreach (var resource in Manifest.Resources.Values.Where(r => r.Type == "project.v0"))
        {
            _byResource[resource.Name] = await TimedAsync($"{resource.Name} image published", () => PublishImageAsync(resource.Path!, remoteBase));
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var image in _byResource.Values)
        {
            await Podman.TryAsync("rmi", "--force", image);
        }

        _directory?.Delete(recursive: true);
    }

    /// <summary>
    /// <c>dotnet publish PROJECT -c Release -t:PublishContainer</c> as docs/running.md gives it, on the stand-in base and
    /// into podman's store (the SDK finds no Docker daemon here).
    /// </summary>
    private static async Task<string> PublishImageAsync(string project, string baseImage)
    {
        var output = await Command.RunAsync("dotnet",
            ["publish", project, "-c", "Release", "-t:PublishContainer", "-nologo",
             $"-p:ContainerBaseImage={baseImage}", "-p:LocalRegistry=Podman", $"-p:ContainerImageTag={Tag}"],
            s_buildTimeout, Podman.Environment);
        var pushed = PushedImage().Match(output);
        return pushed.Success ? $"localhost/{pushed.Groups[1].Value}" : throw new InvalidOperationException($"no image in:{Environment.NewLine}{output}");
    }

    private static async Task<string> StandInAsync(params string[] arguments) =>
        (await Command.RunAsync("bash", [Path.Combine(Repository.Root, "scripts", "containers", "stand-in-images.sh"), .. arguments],
            s_buildTimeout, Podman.Environment)).Split('\n')[^1].Trim();

    /// <summary>The dashboard the AppHost runs: the SDK records its path in the AppHost's assembly metadata.</summary>
    private static string DashboardDirectory()
    {
        var appHost = Assembly.LoadFrom(Repository.BuiltProgram("SensorAspire.AppHost"));
        var path = appHost.GetCustomAttributesData()
            .Where(a => a.AttributeType == typeof(AssemblyMetadataAttribute))
            .Select(a => (Key: a.ConstructorArguments[0].Value as string, Value: a.ConstructorArguments[1].Value as string))
            .Single(a => a.Key == "aspiredashboardpath").Value!;
        return Path.GetDirectoryName(path)!;
    }

    /// <summary>Where the local registry keeps what was pushed, across runs: the user's cache folder.</summary>
    private static string RegistryStorage()
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Directory.CreateDirectory(Path.Combine(cache, "sensoraspire", "registry")).FullName;
    }

    private async Task<T> TimedAsync<T>(string step, Func<Task<T>> action)
    {
        var elapsed = Stopwatch.StartNew();
        var result = await action();
        _timings.Add($"{step}: {elapsed.Elapsed.TotalSeconds:0.0} s");
        return result;
    }

    [GeneratedRegex(@"Pushed image '([^']+)' to local registry via 'podman'")]
    private static partial Regex PushedImage();
}
