using System.Collections.Concurrent;
using PuppeteerSharp;

namespace StationHub.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium (<see cref="HeadlessChromium.Path"/>), headless, driven over the DevTools protocol
/// by PuppeteerSharp (it downloads no browser: it starts the installed one): one page at a phone's size
/// (412 × 900) unless told otherwise, recording every request the page makes and every answer it gets,
/// and every CSP violation the page reports. The run starts one browser (about 3 CPU-seconds each time
/// it starts) and gives each page a browser context of its own: its own cookies, storage and cache, as
/// a fresh profile would.
/// </summary>
public sealed class BrowserPage : IAsyncDisposable
{
    /// <summary>Runs before any script of every document: records the violations the page's CSP reports.</summary>
    private const string ViolationProbe = """
        window.__cspViolations = [];
        document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
        """;

    private static readonly SemaphoreSlim Launching = new(1, 1);
    private static IBrowser? shared;
    private readonly IBrowserContext context;
    private readonly ConcurrentQueue<string> requests = new();
    private readonly ConcurrentQueue<(string Url, int Status)> responses = new();
    private readonly ConcurrentQueue<string> console = new();

    private BrowserPage(IBrowserContext context, IPage page)
    {
        this.context = context;
        Page = page;
        page.Request += (_, e) => requests.Enqueue(e.Request.Url);
        page.Response += (_, e) => responses.Enqueue((e.Response.Url, (int)e.Response.Status));
        page.Console += (_, e) => console.Enqueue(e.Message.Text);
    }

    public IPage Page { get; }

    /// <summary>Every URL the page asked for, in order.</summary>
    public IReadOnlyList<string> Requests => [.. requests];

    public IReadOnlyList<(string Url, int Status)> Responses => [.. responses];

    public IReadOnlyList<string> Console => [.. console];

    public static async Task<BrowserPage> OpenAsync(int width = 412, int height = 900)
    {
        var context = await (await BrowserAsync()).CreateBrowserContextAsync();
        var page = await context.NewPageAsync();
        await page.SetViewportAsync(new ViewPortOptions { Width = width, Height = height, IsMobile = width < 600, HasTouch = width < 600, DeviceScaleFactor = 1 });
        page.DefaultTimeout = 40_000;
        await page.EvaluateExpressionOnNewDocumentAsync(ViolationProbe);
        return new BrowserPage(context, page);
    }

    /// <summary>Opens the URL and waits until the network has been quiet for half a second.</summary>
    public async Task<IResponse> GoAsync(Uri url)
    {
        var response = await Page.GoToAsync(url.AbsoluteUri, new NavigationOptions { WaitUntil = [WaitUntilNavigation.Networkidle0] });
        Assert.NotNull(response);
        return response;
    }

    /// <summary>Waits (polling in the page, with a deadline) until the expression is truthy.</summary>
    public Task WaitForAsync(string expression, TimeSpan? timeout = null) =>
        Page.WaitForExpressionAsync(expression, new WaitForFunctionOptions { Timeout = (int)(timeout ?? TimeSpan.FromSeconds(20)).TotalMilliseconds, PollingInterval = 100 });

    public Task<T> EvalAsync<T>(string expression) => Page.EvaluateExpressionAsync<T>(expression);

    /// <summary>
    /// Opens <paramref name="url"/> in a page of the given size, keeps a screenshot of what it shows in
    /// artifacts/<paramref name="screenshot"/>, and returns its DOM as rendered.
    /// </summary>
    public static async Task<string> RenderAsync(Uri url, string screenshot, int width, int height)
    {
        await using var browser = await OpenAsync(width, height);
        await browser.GoAsync(url);
        var dom = await browser.Page.GetContentAsync();
        await browser.ScreenshotAsync(screenshot, fullPage: false);
        return dom;
    }

    /// <summary>Keeps a screenshot of the page in artifacts/<paramref name="name"/>, and fails if it is empty.</summary>
    public async Task ScreenshotAsync(string name, bool fullPage = true)
    {
        var artifacts = Path.Combine(RepoPaths.Root, "artifacts");
        Directory.CreateDirectory(artifacts);
        var path = Path.Combine(artifacts, name);
        File.Delete(path);
        await Page.ScreenshotAsync(path, new ScreenshotOptions { FullPage = fullPage });
        Assert.True(new FileInfo(path).Length > 10_000, $"the screenshot {name} is empty");
    }

    /// <summary>The CSP violations the page reported.</summary>
    public Task<string[]> ViolationsAsync() => Page.EvaluateExpressionAsync<string[]>("window.__cspViolations || []");

    public async ValueTask DisposeAsync()
    {
        await Page.CloseAsync();
        await context.CloseAsync();
    }

    /// <summary>The run's browser: started by the first page, again if it has gone, and killed when the run ends.</summary>
    private static async Task<IBrowser> BrowserAsync()
    {
        Assert.True(HeadlessChromium.IsInstalled, "Chromium is not installed: tests/run-all.sh installs Debian's chromium package.");
        await Launching.WaitAsync();
        try
        {
            if (shared is { IsClosed: false })
            {
                return shared;
            }

            RemoveProfilesLeftBehind();
            var profile = Directory.CreateTempSubdirectory($"{ProfilePrefix}{Environment.ProcessId}-").FullName;
            var browser = await Puppeteer.LaunchAsync(new LaunchOptions
            {
                ExecutablePath = HeadlessChromium.Path,
                Headless = true,
                Timeout = 60_000,
                UserDataDir = profile,
                // Over a pipe, not a WebSocket: the browser exits when the pipe closes, so it cannot outlive a test host that was killed.
                Pipe = true,
                // Its own temporary files (the profile's lock socket among them, left when the browser is killed) go with the profile.
                Env = { ["TMPDIR"] = Directory.CreateDirectory(Path.Combine(profile, "tmp")).FullName },
                Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"],
            });
            AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAtExit(browser, profile);
            return shared = browser;
        }
        finally
        {
            Launching.Release();
        }
    }

    // The test host is ending: no await is possible here. The browser would exit on its own once the pipe
    // closes; killing it first lets its profile go now. (Killing its whole process tree here did not return
    // before the test host was gone, and left the profile behind.) Its helper processes may still write
    // into the profile for a moment, so a folder that cannot go now goes at the next run's launch.
    private static void KillAtExit(IBrowser browser, string profile)
    {
        try
        {
            browser.Process?.Kill();
            browser.Process?.WaitForExit(TimeSpan.FromSeconds(1));
        }
        catch (InvalidOperationException)
        {
            // It had exited already.
        }

        TryDelete(profile);
    }

    private const string ProfilePrefix = "stationhub-chromium-";

    /// <summary>
    /// Profiles of earlier runs whose test host is gone (killed, or ended while the browser's helpers still
    /// wrote into the folder): each profile's name carries the process id of the test host that made it.
    /// </summary>
    private static void RemoveProfilesLeftBehind()
    {
        foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath(), ProfilePrefix + "*"))
        {
            var owner = Path.GetFileName(folder)[ProfilePrefix.Length..].Split('-')[0];
            if (int.TryParse(owner, out var pid) && pid != Environment.ProcessId && !IsRunning(pid))
            {
                TryDelete(folder);
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Still held, or another user's: left for the next run, or to the system.
        }
    }
}
