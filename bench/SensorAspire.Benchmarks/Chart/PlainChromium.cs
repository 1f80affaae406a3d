using System.Diagnostics;
using SensorAspire.Testing;

namespace SensorAspire.Benchmarks.Chart;

/// <summary>
/// Debian's Chromium, headless, opened on one page as a user opens it: no DevTools client attached.
/// </summary>
/// <remarks>
/// A DevTools client (Playwright) enables the Network domain, so the browser sends it a protocol message for every
/// server-sent event the page receives, and the driver parses each one: at 1,000 events/s that took the browser process
/// and the driver about a fifth of a core between them (docs/chart.md, "Reading → pixel"), CPU a user's browser does not
/// spend, on the same two cores as the pipeline being measured.
/// </remarks>
internal sealed class PlainChromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _profile;

    private PlainChromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    public static PlainChromium Open(Uri url)
    {
        var profile = Directory.CreateTempSubdirectory("sensoraspire-chromium-").FullName;
        var start = new ProcessStartInfo(BrowserFixture.ChromiumPath) { RedirectStandardOutput = true, RedirectStandardError = true };
        // BrowserFixture's switches, plus those Playwright adds so that a headless page is not throttled.
        foreach (var argument in (string[])[.. BrowserFixture.Switches, "--headless=new", "--disable-background-timer-throttling",
                     "--disable-backgrounding-occluded-windows", "--disable-renderer-backgrounding", "--window-size=1280,720",
                     $"--user-data-dir={profile}", url.ToString()])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Chromium did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new PlainChromium(process, profile);
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        Directory.Delete(_profile, recursive: true);
    }
}
