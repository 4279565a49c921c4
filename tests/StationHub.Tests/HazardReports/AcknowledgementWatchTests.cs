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
public sealed class AcknowledgementWatchTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 20, 0, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider clock = new(Start);
    private TestStorage storage = null!;
    private ServiceProvider services = null!;

    public async Task InitializeAsync()
    {
        storage = await TestStorage.CreateAsync();
        var registry = new TestRegistry(new Uri("http://127.0.0.1:9/c"), new Uri("http://127.0.0.1:9/o"), new Uri("http://127.0.0.1:9/p"), new Uri("http://127.0.0.1:9/q"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(registry.Settings(storage.ConnectionString, storage.Prefix)).Build();
        services = new ServiceCollection()
            .AddLogging()
            .AddStationHub(configuration)
            .AddSingleton<TimeProvider>(clock)
            .BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await services.DisposeAsync();
        await storage.DisposeAsync();
    }

    [Fact]
    public async Task A_report_not_acknowledged_within_24_hours_is_escalated_once()
    {
        var late = await RouteAsync("r-late");
        clock.Advance(TimeSpan.FromHours(2));
        var answered = await RouteAsync("r-answered");
        await ApplyUpdateAsync(answered, "acknowledged");
        var watch = services.GetRequiredService<AcknowledgementWatch>();

        clock.Advance(TimeSpan.FromHours(21));
        Assert.Equal(0, await watch.RunAsync());

        clock.Advance(TimeSpan.FromHours(1.5));
        Assert.Equal(1, await watch.RunAsync());
        Assert.Equal(0, await watch.RunAsync());

        var report = await services.GetRequiredService<HazardReportStore>().FindAsync(late);
        Assert.True(report!.Escalated);
        var escalations = (await storage.Hub.Queue(Queues.Deliveries).PeekMessagesAsync(32)).Value
            .Select(m => JsonDocument.Parse(m.Body.ToString()).RootElement)
            .Where(m => m.GetProperty("data").TryGetProperty("escalated", out var flag) && flag.GetBoolean())
            .ToList();
        var escalation = Assert.Single(escalations);
        Assert.Equal(late, escalation.GetProperty("subject").GetString());
        Assert.Equal("hazard_report.routed", escalation.GetProperty("eventType").GetString());

        var ledger = new List<string>();
        foreach (var entry in await storage.LedgerEntriesAsync())
        {
            ledger.Add(entry.Kind + ":" + entry.SourceId);
        }

        Assert.Contains(LedgerKinds.ReportEscalated + ":" + late, ledger);
        Assert.DoesNotContain(LedgerKinds.ReportEscalated + ":" + answered, ledger);
        Assert.Contains(LedgerKinds.ReportFirstResponse + ":" + answered, ledger);
    }

    private async Task<string> RouteAsync(string reportId)
    {
        var now = clock.GetUtcNow();
        var report = new HazardReport(HazardReport.HubIdFor("swiftride", reportId), "swiftride", reportId, "cp_test", "traffic_danger", "Signal out",
            new GeoLocation(30.25, 120.18, null), "330102", "hangzhou", [], now.AddMinutes(-1), now);
        var message = new HazardReportAccepted(1, reportId, now, "msg_" + reportId, "attempt-" + reportId, report);
        await services.GetRequiredService<HazardReportRouter>().HandleAsync(BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(message, HubJsonContext.Default.HazardReportAccepted)));
        return report.HubId;
    }

    private async Task ApplyUpdateAsync(string hubId, string status)
    {
        var update = new CityUpdate("u-" + hubId, "hangzhou", HazardReportStatuses.FromWire(status)!.Value, null, clock.GetUtcNow(), clock.GetUtcNow());
        var message = new HazardReportUpdateReceived(1, update.UpdateId, clock.GetUtcNow(), hubId, update);
        await services.GetRequiredService<HazardReportUpdateRouter>().HandleAsync(BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(message, HubJsonContext.Default.HazardReportUpdateReceived)));
    }
}
