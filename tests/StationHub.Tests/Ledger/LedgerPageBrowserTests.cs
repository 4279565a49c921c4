using StationHub.Ledger;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Ledger;

/// <summary>
/// The ledger page in a real browser: headless Chromium (Debian's package, installed by
/// tests/run-all.sh) loads it from the local host, and the rendered page must show the sealed days
/// and the charts. The screenshot is kept in artifacts/ledger-page.png.
/// </summary>
public sealed class LedgerPageBrowserTests
{

    [Fact]
    public async Task The_ledger_page_renders_the_days_and_charts_in_headless_Chromium()
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(TimeProvider.System.GetUtcNow(), TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).DateTime);
        await using var world = await HubScenario.StartAsync(configure: s =>
        {
            s["LocalHost:TriggersDisabled"] = "true";
            s["Ledger:SealGrace"] = "00:00:00";
            s["Ledger:StartDate"] = today.AddDays(-5).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        });
        var writer = world.Hub.Get<LedgerEntryWriter>();
        for (var back = 5; back >= 1; back--)
        {
            var at = new DateTimeOffset(today.AddDays(-back).ToDateTime(new TimeOnly(4, 0)), TimeSpan.Zero);
            await writer.WriteAsync(
            [
                new LedgerEntry(LedgerKinds.PickupRevenue("handling_fee"), LedgerScopes.Station("st-hz-01"), $"po-{back}", at, 1000 * back),
                new LedgerEntry(LedgerKinds.PickupFund("handling_fee"), LedgerScopes.Station("st-hz-01"), $"po-{back}", at, 200 * back),
                new LedgerEntry(LedgerKinds.PointsIssued("patrol_hour"), LedgerScopes.Hub, $"t-{back}", at, 5 * back),
                new LedgerEntry(LedgerKinds.ReportFirstResponse, LedgerScopes.District("330102"), $"hr-{back}", at, Hours: back * 6),
                new LedgerEntry(LedgerKinds.ReportReceived, LedgerScopes.District("330102"), $"hr-{back}", at),
            ]);
        }

        await world.Hub.Get<LedgerSealer>().SealAsync();
        await world.Hub.Get<LedgerSealer>().CompileTodayAsync();
        var dom = await BrowserPage.RenderAsync(new Uri(world.Hub.BaseAddress, "ledger"), "ledger-page.png", 412, 1400);

        Assert.Contains("Sealed days", dom, StringComparison.Ordinal);
        Assert.Contains(today.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), dom, StringComparison.Ordinal);
        Assert.Contains("Today so far", dom, StringComparison.Ordinal);
        Assert.Equal(3, dom.Split("<svg", StringSplitOptions.None).Length - 1);
        Assert.Equal(5, dom.Split("<polyline", StringSplitOptions.None).Length - 1);
        Assert.Contains("50.00", dom, StringComparison.Ordinal);
    }
}
