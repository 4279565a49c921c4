namespace StationHub.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium, the independent client the page tests look through (<see cref="BrowserPage"/>
/// drives it headless, with no background networking: this machine's network is closed).
/// </summary>
public static class HeadlessChromium
{
    public const string Path = "/usr/bin/chromium";

    public static bool IsInstalled => File.Exists(Path);
}
