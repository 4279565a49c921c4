using System.Collections.Concurrent;
using PuppeteerSharp;

namespace StationHub.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium (<see cref="HeadlessChromium.Path"/>), headless, driven over the DevTools protocol
/// by PuppeteerSharp (it downloads no browser: it starts the installed one): one page at a phone's size
/// (412 × 900) unless told otherwise, recording every request the page makes and every answer it gets,
/// and every CSP violation the page reports.
/// </summary>
public sealed class BrowserPage : IAsyncDisposable
{
    /// <summary>Runs before any script of every document: records the violations the page's CSP reports.</summary>
    private const string ViolationProbe = """
        window.__cspViolations = [];
        document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
        """;

    private readonly IBrowser browser;
    private readonly ConcurrentQueue<string> requests = new();
    private readonly ConcurrentQueue<(string Url, int Status)> responses = new();
    private readonly ConcurrentQueue<string> console = new();

    private BrowserPage(IBrowser browser, IPage page)
    {
        this.browser = browser;
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
        Assert.True(HeadlessChromium.IsInstalled, "Chromium is not installed: tests/run-all.sh installs Debian's chromium package.");
        var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = HeadlessChromium.Path,
            Headless = true,
            Timeout = 60_000,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"],
            DefaultViewport = new ViewPortOptions { Width = width, Height = height, IsMobile = width < 600, HasTouch = width < 600, DeviceScaleFactor = 1 },
        });
        var page = await browser.NewPageAsync();
        page.DefaultTimeout = 40_000;
        await page.EvaluateExpressionOnNewDocumentAsync(ViolationProbe);
        return new BrowserPage(browser, page);
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

    /// <summary>The CSP violations the page reported.</summary>
    public Task<string[]> ViolationsAsync() => Page.EvaluateExpressionAsync<string[]>("window.__cspViolations || []");

    public async ValueTask DisposeAsync()
    {
        await Page.CloseAsync();
        await browser.CloseAsync();
        await browser.DisposeAsync();
    }
}
