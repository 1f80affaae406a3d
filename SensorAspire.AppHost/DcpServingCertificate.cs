using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Runtime.Versioning;
using Microsoft.Extensions.Configuration;

namespace SensorAspire.AppHost;

/// <summary>
/// Hands Aspire's orchestrator (DCP) a certificate for its API server, made for this run, so that DCP does not generate
/// one itself at every start.
/// </summary>
/// <remarks>
/// DCP serves its API to the AppHost over HTTPS. Aspire passes it a certificate only when a trusted ASP.NET Core
/// developer certificate exists (<c>--tls-cert-file</c>/<c>--tls-key-file</c>); otherwise DCP generates an ephemeral
/// self-signed RSA certificate (<c>dcp start-apiserver --help</c>), which costs it one to two seconds of CPU on the path
/// from <c>dotnet run</c> to the chart. An ECDSA P-256 key takes milliseconds. The certificate is as ephemeral as
/// DCP's own: made for one run, in a directory only this user can read, deleted when the AppHost's process exits, and
/// trusted by nothing but this run's kubeconfig, which DCP writes with the certificate as its authority, as it does for
/// its own.
/// Aspire builds DCP's command line itself, so the AppHost points Aspire at a small script (Aspire's
/// <c>DcpPublisher:CliPath</c> setting) that adds the two options to <c>start-apiserver</c> and runs the real DCP.
/// Nothing changes where Aspire already passes a certificate, where DCP's path is configured explicitly, or on Windows.
/// </remarks>
internal static class DcpServingCertificate
{
    /// <summary>The AppHost setting that turns this off (<c>--AppHost:DcpServingCertificate=false</c>).</summary>
    public const string SettingKey = "AppHost:DcpServingCertificate";

    private const string ScriptName = "dcp";

    public static IDistributedApplicationBuilder GiveDcpAServingCertificate(this IDistributedApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (OperatingSystem.IsWindows()
            || !builder.ExecutionContext.IsRunMode
            || !configuration.GetValue(SettingKey, true)
            || !string.IsNullOrEmpty(configuration["DcpPublisher:CliPath"])
            || !string.IsNullOrEmpty(configuration["ASPIRE_DCP_PATH"]))
        {
            return builder;
        }

        var dcp = DcpFromBuild();
        if (dcp is null || !File.Exists(dcp))
        {
            return builder;
        }

        // Aspire reads DCP's path from configuration when it builds the application; the files are written only when the
        // application starts. DCP has read them long before the AppHost's process ends; the next run makes its own.
        var directory = RunDirectory.Reserve(builder, "sensoraspire-dcp", directory =>
        {
            if (!OperatingSystem.IsWindows()) // checked above; repeated for the analyser, which does not see into lambdas
            {
                Write(directory, dcp);
            }
        });
        configuration["DcpPublisher:CliPath"] = Path.Combine(directory, ScriptName);
        return builder;
    }

    /// <summary>
    /// Writes the certificate, its key and the script that passes them to <c>dcp start-apiserver</c>; returns the
    /// script's path.
    /// </summary>
    [UnsupportedOSPlatform("windows")]
    internal static string Write(string directory, string dcp)
    {
        var certificateFile = Path.Combine(directory, "dcp-server.crt");
        var keyFile = Path.Combine(directory, "dcp-server.key");
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        using (var certificate = Create(key))
        {
            WritePrivate(keyFile, key.ExportPkcs8PrivateKeyPem());
            WritePrivate(certificateFile, certificate.ExportCertificatePem());
        }

        var script = Path.Combine(directory, ScriptName);
        File.WriteAllText(script, $$"""
            #!/bin/sh
            # Written by the SensorAspire AppHost for one run (DcpServingCertificate.cs): runs Aspire's DCP, giving its
            # API server this run's certificate unless Aspire already gives it one.
            if [ "$1" = start-apiserver ]; then
              case " $* " in
                *" --tls-cert-file "*|*" --tls-cert-thumbprint "*) ;;
                *) set -- "$@" --tls-cert-file {{Quote(certificateFile)}} --tls-key-file {{Quote(keyFile)}} ;;
              esac
            fi
            exec {{Quote(dcp)}} "$@"

            """);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return script;
    }

    /// <summary>
    /// A self-signed certificate for DCP's API server on the loopback address, shaped like the one DCP generates:
    /// subject and alternative name 127.0.0.1, its own authority, valid for a week.
    /// </summary>
    internal static X509Certificate2 Create(ECDsa key)
    {
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false)); // server, client auth
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));

        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(7));
    }

    /// <summary>The DCP program the AppHost's build found (the Aspire SDK records it as <c>dcpclipath</c>).</summary>
    private static string? DcpFromBuild() =>
        typeof(DcpServingCertificate).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => string.Equals(a.Key, "dcpclipath", StringComparison.OrdinalIgnoreCase))?.Value;

    [UnsupportedOSPlatform("windows")]
    private static void WritePrivate(string path, string text)
    {
        using var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        using var writer = new StreamWriter(file);
        writer.Write(text);
    }

    private static string Quote(string path) => "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
