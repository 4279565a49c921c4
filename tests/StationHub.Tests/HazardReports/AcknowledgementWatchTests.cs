using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StationHub.HazardReports;
using StationHub.Ledger;
using StationHub.Platform;
using StationHub.Platform.Json;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.HazardReports;

/// <summary>The 24-hour promise, on a fake clock over the real library and a real Azurite.</summary>
public sealed class AcknowledgementWatchTests() : HubLibraryTests(Start)
{
    private static readonly DateTimeOffset Start = new(2026, 11, 20, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_report_not_acknowledged_within_24_hours_is_escalated_once()
    {
        var late = await RouteAsync("r-late");
        Clock.Advance(TimeSpan.FromHours(2));
        var answered = await RouteAsync("r-answered");
        await ApplyUpdateAsync(answered, "acknowledged");
        var watch = Services.GetRequiredService<AcknowledgementWatch>();

        Clock.Advance(TimeSpan.FromHours(21));
        Assert.Equal(0, await watch.RunAsync());

        Clock.Advance(TimeSpan.FromHours(1.5));
        Assert.Equal(1, await watch.RunAsync());
        Assert.Equal(0, await watch.RunAsync());

        var report = await Services.GetRequiredService<HazardReportStore>().FindAsync(late);
        Assert.True(report!.Escalated);
        var escalations = (await Storage.PeekDeliveriesAsync())
            .Select(m => JsonDocument.Parse(m.Body.ToString()).RootElement)
            .Where(m => m.GetProperty("data").TryGetProperty("escalated", out var flag) && flag.GetBoolean())
            .ToList();
        var escalation = Assert.Single(escalations);
        Assert.Equal(late, escalation.GetProperty("subject").GetString());
        Assert.Equal("hazard_report.routed", escalation.GetProperty("eventType").GetString());

        var ledger = new List<string>();
        foreach (var entry in await Storage.LedgerEntriesAsync())
        {
            ledger.Add(entry.Kind + ":" + entry.SourceId);
        }

        Assert.Contains(LedgerKinds.ReportEscalated + ":" + late, ledger);
        Assert.DoesNotContain(LedgerKinds.ReportEscalated + ":" + answered, ledger);
        Assert.Contains(LedgerKinds.ReportFirstResponse + ":" + answered, ledger);
    }

    [Fact]
    public async Task Each_report_is_held_to_its_own_categorys_SLA_whoever_answers_it()
    {
        // flooding: 12 h, to the water authority; no_charger: 72 h, to the station operator; traffic_danger: 24 h, to the city.
        var flood = await RouteAsync("r-flood", "flooding", TestRegistry.WaterBody);
        var need = await RouteAsync("r-charger", "no_charger", TestRegistry.OperatorBody);
        var danger = await RouteAsync("r-danger");
        var watch = Services.GetRequiredService<AcknowledgementWatch>();
        var store = Services.GetRequiredService<HazardReportStore>();

        Clock.Advance(TimeSpan.FromHours(11.5));
        Assert.Equal(0, await watch.RunAsync());

        Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, await watch.RunAsync());
        Assert.True((await store.FindAsync(flood))!.Escalated);
        Assert.False((await store.FindAsync(danger))!.Escalated);

        Clock.Advance(TimeSpan.FromHours(12));
        Assert.Equal(1, await watch.RunAsync());
        Assert.True((await store.FindAsync(danger))!.Escalated);
        Assert.False((await store.FindAsync(need))!.Escalated);

        Clock.Advance(TimeSpan.FromHours(47));
        Assert.Equal(0, await watch.RunAsync());
        Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(1, await watch.RunAsync());
        Assert.True((await store.FindAsync(need))!.Escalated);

        // Each escalation goes to the report's own recipient.
        var escalations = (await Storage.PeekDeliveriesAsync())
            .Select(m => JsonDocument.Parse(m.Body.ToString()).RootElement)
            .Where(m => m.GetProperty("data").TryGetProperty("escalated", out var flag) && flag.GetBoolean())
            .ToDictionary(m => m.GetProperty("subject").GetString()!, m => m.GetProperty("destination").GetRawText());
        Assert.Equal(3, escalations.Count);
        Assert.Contains(TestRegistry.WaterBody, escalations[flood], StringComparison.Ordinal);
        Assert.Contains(TestRegistry.OperatorBody, escalations[need], StringComparison.Ordinal);
        Assert.Contains("hangzhou", escalations[danger], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reports_routed_in_two_months_are_both_escalated_by_one_run()
    {
        // The watch reads each recipient's recent months in one query over their partitions (202611, 202612).
        Clock.Advance(new DateTimeOffset(2026, 11, 30, 20, 0, 0, TimeSpan.Zero) - Clock.GetUtcNow());
        var november = await RouteAsync("r-nov");
        Clock.Advance(TimeSpan.FromHours(6));
        var december = await RouteAsync("r-december-far-off"); // its length puts it 1.4 km north: not a duplicate
        Assert.NotEqual(Clock.GetUtcNow().AddHours(-6).Month, Clock.GetUtcNow().Month);

        Clock.Advance(TimeSpan.FromHours(25));
        var watch = Services.GetRequiredService<AcknowledgementWatch>();
        Assert.Equal(2, await watch.RunAsync());
        Assert.Equal(0, await watch.RunAsync());

        var store = Services.GetRequiredService<HazardReportStore>();
        Assert.True((await store.FindAsync(november))!.Escalated);
        Assert.True((await store.FindAsync(december))!.Escalated);
    }

    private async Task<string> RouteAsync(string reportId, string category = "traffic_danger", string? bodyId = null)
    {
        var now = Clock.GetUtcNow();
        var report = new HazardReport(HazardReport.HubIdFor(TestRegistry.HubIds, "swiftride", reportId), "swiftride", reportId, "cp_test", category, "Signal out",
            new GeoLocation(30.25 + (reportId.Length * 0.001), 120.18, null), "330102", "hangzhou", [], now.AddMinutes(-1), now, bodyId);
        var message = new HazardReportAccepted(1, reportId, now, "msg_" + reportId, "attempt-" + reportId, report);
        await Services.GetRequiredService<HazardReportRouter>().HandleAsync(BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(message, HubJsonContext.Default.HazardReportAccepted)));
        return report.HubId;
    }

    private async Task ApplyUpdateAsync(string hubId, string status)
    {
        var update = new CityUpdate("u-" + hubId, "hangzhou", HazardReportStatuses.FromWire(status)!.Value, null, Clock.GetUtcNow(), Clock.GetUtcNow());
        var message = new HazardReportUpdateReceived(1, update.UpdateId, Clock.GetUtcNow(), hubId, update);
        await Services.GetRequiredService<HazardReportUpdateRouter>().HandleAsync(BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(message, HubJsonContext.Default.HazardReportUpdateReceived)));
    }
}
