using System.Diagnostics;

namespace StationHub.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium, headless, with a fresh profile and no background networking (this machine's
/// network is closed): the independent client the page tests look through.
/// </summary>
public static class HeadlessChromium
{
    public const string Path = "/usr/bin/chromium";

    public static bool IsInstalled => File.Exists(Path);

    /// <summary>Runs Chromium with the arguments (<c>--dump-dom URL</c>, <c>--screenshot=FILE URL</c>) and returns what it printed.</summary>
    public static async Task<string> RunAsync(params string[] args)
    {
        var profile = Directory.CreateTempSubdirectory("stationhub-chromium-").FullName;
        var start = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--hide-scrollbars", $"--user-data-dir={profile}",
        }.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Directory.Delete(profile, recursive: true);
        return await output;
    }
}
