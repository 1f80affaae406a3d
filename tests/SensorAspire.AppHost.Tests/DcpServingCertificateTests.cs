using System.Diagnostics;
using System.Net;
using System.Runtime.Versioning;
using System.Security.Cryptography.X509Certificates;

namespace SensorAspire.AppHost.Tests;

/// <summary>
/// The AppHost gives DCP's API server a certificate made for the run (DcpServingCertificate), through a script that
/// stands in for DCP's program. These tests run that script with <c>echo</c> as DCP, to see the command line DCP gets.
/// </summary>
[UnsupportedOSPlatform("windows")] // as DcpServingCertificate: Windows runs DCP as Aspire does
public sealed class DcpServingCertificateTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sensoraspire-dcp-test-").FullName;

    [Fact]
    public async Task StartApiServerIsGivenTheRunsCertificateAndKey()
    {
        var script = DcpServingCertificate.Write(_directory, "/bin/echo");

        var commandLine = await RunAsync(script, "start-apiserver", "--monitor", "42", "--detach");

        Assert.Equal(
            $"start-apiserver --monitor 42 --detach --tls-cert-file {_directory}/dcp-server.crt --tls-key-file {_directory}/dcp-server.key",
            commandLine);
    }

    [Fact]
    public async Task ACertificateAspireAlreadyPassesIsKept()
    {
        var script = DcpServingCertificate.Write(_directory, "/bin/echo");

        var commandLine = await RunAsync(script, "start-apiserver", "--tls-cert-file", "/dev.crt", "--tls-key-file", "/dev.key");

        Assert.Equal("start-apiserver --tls-cert-file /dev.crt --tls-key-file /dev.key", commandLine);
    }

    [Fact]
    public async Task OtherDcpCommandsPassThroughUnchanged()
    {
        var script = DcpServingCertificate.Write(_directory, "/bin/echo");

        Assert.Equal("info --container-runtime docker", await RunAsync(script, "info", "--container-runtime", "docker"));
    }

    [Fact]
    public void TheCertificateServesTheLoopbackAddressAndOnlyItsOwnerCanReadTheKey()
    {
        DcpServingCertificate.Write(_directory, "/bin/echo");
        var keyFile = Path.Combine(_directory, "dcp-server.key");

        using var certificate = X509Certificate2.CreateFromPemFile(Path.Combine(_directory, "dcp-server.crt"), keyFile);

        Assert.True(certificate.HasPrivateKey);
        Assert.True(certificate.MatchesHostname("127.0.0.1") && certificate.MatchesHostname("localhost"));
        Assert.Contains(IPAddress.Loopback.ToString(), certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false));
        Assert.InRange(DateTime.Now, certificate.NotBefore, certificate.NotAfter);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static async Task<string> RunAsync(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo(script) { RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, process.ExitCode);
        return output.TrimEnd('\n');
    }
}
