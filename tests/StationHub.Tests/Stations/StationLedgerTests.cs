using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StationHub.Ledger;
using StationHub.Ledger.Integrity;
using StationHub.Platform;
using StationHub.Platform.Http;
using StationHub.Stations;
using StationHub.Tests.Infrastructure;
using static StationHub.Tests.Stations.StationStatusFlowTests;

namespace StationHub.Tests.Stations;

/// <summary>
/// The warm map's figures on the public ledger, on a fake clock over a real Azurite: reports go in
/// through the status route's own handler (the clock cannot be moved under a running host), the stale
/// watch and the figures timer run, and a sealed day carries the stations' minutes and the districts'
/// night coverage with its sample size, its hash and Merkle root intact.
/// </summary>
public sealed class StationLedgerTests() : HubLibraryTests(new(2026, 11, 20, 13, 0, 0, TimeSpan.Zero), LedgerFromStart)
{
    // 21:00 on Friday 20 November 2026 in Shanghai.

    [Fact]
    public async Task A_sealed_day_carries_open_night_and_stale_minutes_reports_and_district_night_coverage()
    {
        var intake = Services.GetRequiredService<StationStatusIntake>();
        var watch = Services.GetRequiredService<StationWatch>();

        // st-hz-01 (Shangcheng) reports open every five minutes from 21:00 to 01:00; st-hz-02 (Xihu) once, at 21:00.
        await PutAsync(intake, TestRegistry.OtherStation, TestRegistry.OtherStationKey, open: true);
        for (var report = 0; report <= 48; report++)
        {
            await PutAsync(intake, TestRegistry.Station, TestRegistry.StationKey, open: true);
            Clock.Advance(TimeSpan.FromMinutes(1));
            await watch.MarkStaleAsync();
            Clock.Advance(TimeSpan.FromMinutes(4));
        }

        // 02:30 on the 21st: the 20th is complete and past its grace hour.
        Clock.SetUtcNow(new DateTimeOffset(2026, 11, 20, 18, 30, 0, TimeSpan.Zero));
        Assert.Equal(1, await watch.MarkStaleAsync());
        await watch.PublishFiguresAsync();
        await watch.PublishFiguresAsync();
        Assert.Equal(1, await Services.GetRequiredService<LedgerSealer>().SealAsync());

        var day = await SealedDayAsync("2026-11-20");
        Assert.True(DayHash.IsIntact(day));
        Assert.Equal(day.GetProperty("merkleRoot").GetString(), Convert.ToHexStringLower(MerkleTree.Root(LedgerLeaf.Leaves(LedgerDay.FiguresOf(day)))));
        var hubin = day.GetProperty("figures").GetProperty("station~st-hz-01");
        Assert.Equal(180, hubin.GetProperty(StationLedgerKinds.OpenMinutes).GetInt64());
        Assert.Equal(120, hubin.GetProperty(StationLedgerKinds.NightOpenMinutes).GetInt64());
        Assert.Equal(0, hubin.GetProperty(StationLedgerKinds.StaleMinutes).GetInt64());
        Assert.Equal(36, hubin.GetProperty(StationLedgerKinds.StatusReports).GetInt64());
        var xixi = day.GetProperty("figures").GetProperty("station~st-hz-02");
        Assert.Equal(10, xixi.GetProperty(StationLedgerKinds.OpenMinutes).GetInt64());
        Assert.Equal(170, xixi.GetProperty(StationLedgerKinds.StaleMinutes).GetInt64());
        Assert.Equal(1, xixi.GetProperty(StationLedgerKinds.StatusReports).GetInt64());

        var shangcheng = day.GetProperty("figures").GetProperty("district~330102");
        Assert.Equal(480, shangcheng.GetProperty(StationLedgerKinds.NightMinutes).GetInt64());
        Assert.Equal(120, shangcheng.GetProperty(StationLedgerKinds.NightCoveredMinutes).GetInt64());
        Assert.Equal(2500, shangcheng.GetProperty(StationLedgerSection.NightCoverageShare).GetInt64());
        Assert.Equal(0, day.GetProperty("figures").GetProperty("district~330106").GetProperty(StationLedgerSection.NightCoverageShare).GetInt64());

        // The verifier checks the sealed day from the public API alone, and the coverage figure's inclusion proof.
        Settings["LocalHost:TriggersDisabled"] = "true";
        await using (var hub = await TestHub.StartAsync(Settings))
        {
            var verifier = new LedgerVerifier(hub.Client);
            var verification = await verifier.VerifyAsync();
            Assert.True(verification.Ok, verification.Reason);
            Assert.Equal(1, verification.DaysChecked);
            Assert.True(await verifier.VerifyProofAsync("2026-11-20", "district~330102", StationLedgerSection.NightCoverageShare));
        }

        // The 21st so far: open until 01:10 (ten minutes after the last report), stale since.
        var today = await Services.GetRequiredService<LedgerStore>().EntriesOfAsync(new DateOnly(2026, 11, 21));
        long Figure(string scope, string kind) => today.Single(e => e.Scope == scope && e.Kind == kind).Amount;
        Assert.Equal(70, Figure("station~st-hz-01", StationLedgerKinds.OpenMinutes));
        Assert.Equal(80, Figure("station~st-hz-01", StationLedgerKinds.StaleMinutes));
        Assert.Equal(13, Figure("station~st-hz-01", StationLedgerKinds.StatusReports));
        Assert.Equal(150, Figure("district~330102", StationLedgerKinds.NightMinutes));
        Assert.Equal(70, Figure("district~330102", StationLedgerKinds.NightCoveredMinutes));
    }

    [Fact]
    public async Task The_ledger_page_shows_night_coverage_by_district()
    {
        var intake = Services.GetRequiredService<StationStatusIntake>();
        Clock.SetUtcNow(new DateTimeOffset(2026, 11, 20, 15, 0, 0, TimeSpan.Zero)); // 23:00
        await PutAsync(intake, TestRegistry.Station, TestRegistry.StationKey, open: true);
        Clock.Advance(TimeSpan.FromMinutes(5));
        await Services.GetRequiredService<StationWatch>().PublishFiguresAsync();
        await Services.GetRequiredService<LedgerSealer>().CompileTodayAsync();

        var page = await Services.GetRequiredService<LedgerPage>().HandleAsync(Request("GET", new Dictionary<string, string?>(), null, string.Empty));
        var html = Encoding.UTF8.GetString(page.Body.Span);

        Assert.Contains("Night coverage by district", html, StringComparison.Ordinal);
        Assert.Contains("<td>330102</td>", html, StringComparison.Ordinal);
    }

    private async Task PutAsync(StationStatusIntake intake, string stationId, string key, bool open)
    {
        var body = Status(open, 2, 4, Clock.GetUtcNow());
        var response = await intake.PutAsync(Request("PUT", new Dictionary<string, string?> { ["stationId"] = stationId }, key, body));
        Assert.Equal(200, response.Status);
    }

    private static HubRequest Request(string method, Dictionary<string, string?> route, string? key, string body) =>
        new(method, route, name => name.Equals("x-api-key", StringComparison.OrdinalIgnoreCase) ? key : null, _ => null, Encoding.UTF8.GetBytes(body), "application/json");

    private async Task<JsonElement> SealedDayAsync(string date)
    {
        var sealedDay = await Services.GetRequiredService<LedgerStore>().FindSealedAsync(DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture));
        return JsonDocument.Parse(sealedDay!.Json).RootElement;
    }
}
