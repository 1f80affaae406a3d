using System.Diagnostics;
using SensorAspire.Testing;

namespace SensorAspire.Containers.Tests;

/// <summary>
/// Debian's <c>docker-registry</c> on a free loopback port: the registry the SDK reads the stand-in base image from
/// (<c>ContainerBaseImage</c> must name a registry). Its storage is kept between runs, so a base already pushed is not
/// uploaded again. Written as <c>localhost:PORT</c>, which the SDK reaches over plain HTTP.
/// </summary>
internal sealed class LocalRegistry : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _configuration;

    private LocalRegistry(Process process, string configuration, int port)
    {
        _process = process;
        _configuration = configuration;
        Address = $"localhost:{port}";
    }

    public string Address { get; }

    public static async Task<LocalRegistry> StartAsync(string storage)
    {
        var port = FreePorts.Next();
        var configuration = Path.Combine(Path.GetTempPath(), $"sensoraspire-registry-{port}.yml");
        await File.WriteAllTextAsync(configuration, $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {storage}
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:{port}
            """, TestContext.Current.CancellationToken);
        var process = Process.Start(new ProcessStartInfo("docker-registry", ["serve", configuration])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("docker-registry did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var registry = new LocalRegistry(process, configuration, port);

        using var http = new HttpClient();
        await Wait.ForAsync(async ct =>
        {
            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{port}/v2/", ct);
                return response.IsSuccessStatusCode ? "answering" : null;
            }
            catch (HttpRequestException) when (!process.HasExited)
            {
                return (string?)null;
            }
        }, $"docker-registry to answer on port {port}");
        return registry;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        File.Delete(_configuration);
    }
}
