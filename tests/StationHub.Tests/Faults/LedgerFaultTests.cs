using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StationHub.Delivery;
using StationHub.HazardReports;
using StationHub.Ledger;
using StationHub.LocalHost.Hosting;
using StationHub.Platform.Storage;
using StationHub.Tests.Infrastructure;
using StationHub.Tests.Ledger;
using StationHub.Triggers;

namespace StationHub.Tests.Faults;

/// <summary>
/// The ledger under faults, with real traffic (signed reports, a city answering over HTTP): the hub
/// killed between a delivery and its ledger fact, and entries that arrive after their day was
/// sealed. Each ends with every recounted figure equal to the ledger's own figure plus its corrections.
/// </summary>
[RunsLong(15)]
public sealed class LedgerFaultTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    [Fact]
    public async Task A_hub_killed_between_a_delivery_and_its_ledger_fact_still_counts_the_delivery_once()
    {
        var clock = CityDays.StartClock();
        var today = CityDays.Of(clock.GetUtcNow());
        await using var world = await HubScenario.StartAsync(clock: clock, startHub: false, configure: s => Configure(s, today));

        // The host reaches storage through a proxy that holds the write of a delivery.made fact: the host is
        // killed there, after the delivery was recorded made and before its fact, on a machine of any speed.
        await using var proxy = await StorageCountingProxy.StartAsync(world.Settings["AzureWebJobsStorage"]!);
        var factHeld = proxy.Hold((service, body) => service == "table" && body.Contains(LedgerKinds.DeliveryMade, StringComparison.Ordinal));
        await using var host = await world.StartChildHostAsync(s => s["AzureWebJobsStorage"] = proxy.ConnectionString);

        // A cold host's first webhook may meet the 4 s deadline (503): the client retries as a platform does.
        using var client = new HttpClient(new PlatformRetries(() => true)) { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        using var accepted = await client.SendAsync(Webhooks.Signed($"api/v1/platforms/{TestRegistry.Platform}/hazard-reports", Webhooks.HazardReport("crash"), world.PlatformSigner));

        // 202, or 200 with the first answer when a retried 503 had been accepted after all.
        Assert.True(accepted.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK, $"{accepted.StatusCode}");
        var hubId = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hubId").GetString()!;
        var deliveryId = DeliveryRequested.IdFor(hubId, "routed", Destination.City(TestRegistry.WebhookCity));
        await factHeld.WaitAsync(Eventually.DefaultTimeout);
        host.Kill();

        // Killed between the two: the delivery is recorded made, and no fact of it reached storage.
        var deliveries = world.Storage.Hub.Table(Tables.Deliveries);
        Assert.Equal(DeliveryStates.Delivered, (await deliveries.FindAsync<DeliveryEntity>(deliveryId, DeliveryEntity.Row))?.State);
        Assert.DoesNotContain(await world.Storage.LedgerEntriesAsync(), e => e.Kind == LedgerKinds.DeliveryMade);

        // Back up: the message the dead host held comes back, finds the delivery made, and writes its fact, once.
        var restarting = TimeProvider.System.GetUtcNow();
        await using var restarted = await world.StartChildHostAsync();
        using var live = new HttpClient { BaseAddress = restarted.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        await WaitForAsync(async () => (await world.Storage.LedgerEntriesAsync()).Any(e => e.Kind == LedgerKinds.DeliveryMade), what: $"the delivery.made fact of {deliveryId}");
        await SettleAsync(world);
        var made = (await world.Storage.LedgerEntriesAsync()).Where(e => e.Kind == LedgerKinds.DeliveryMade).Select(e => e.SourceId).ToList();
        Assert.Equal([deliveryId], made);

        // And sends nothing: the killed host sent it once a try, and every call reached the city before the restart.
        var calls = await world.AssertCitySentOncePerTryAsync(deliveryId);
        Assert.All(calls, call => Assert.True(call.At < restarting, $"the city was called with {deliveryId} at {call.At:O}, after the restart began at {restarting:O}"));

        await SealAsync(world, today, today.AddDays(1));
        await LedgerRecount.AssertMatchesAsync(world, live);
    }

    [Fact]
    public async Task Entries_that_arrive_after_their_day_was_sealed_are_carried_into_the_next_day_as_corrections()
    {
        var clock = CityDays.StartClock();
        var today = CityDays.Of(clock.GetUtcNow());
        await using var world = await HubScenario.StartAsync(clock: clock, configure: s => Configure(s, today));

        // Before the seal: three reports routed, two of them acknowledged.
        var early = new List<string>();
        foreach (var id in new[] { "late-1", "late-2", "late-3" })
        {
            early.Add(await world.AcceptReportAsync(id));
        }

        await RouteAndAcknowledgeAsync(world, early, acknowledge: early.Take(2).ToList(), platformUpdates: 2);
        await SettleAsync(world);
        await SealAsync(world, today, today);
        var sealedToday = await DayAsync(world, today);

        // After it: the third acknowledged and two more reports, routed and acknowledged, all dated today.
        var late = new List<string> { await world.AcceptReportAsync("late-4"), await world.AcceptReportAsync("late-5") };
        await RouteAndAcknowledgeAsync(world, late, acknowledge: [early[2], .. late], platformUpdates: 5);
        await SettleAsync(world);
        await SealAsync(world, today, today.AddDays(1));

        // The sealed day never changed; the next day carries what it missed, apart from its own figures.
        Assert.Equal(sealedToday.GetRawText(), (await DayAsync(world, today)).GetRawText());
        var next = await DayAsync(world, today.AddDays(1));
        var corrections = next.GetProperty(LedgerDay.CorrectionsMember).GetProperty(LedgerStore.Key(today));
        var totals = corrections.GetProperty(LedgerDay.TotalScope);
        Assert.Equal(2, totals.GetProperty(LedgerKinds.ReportReceived).GetInt64());
        Assert.Equal(2, totals.GetProperty(LedgerKinds.ReportRouted).GetInt64());
        Assert.Equal(3, totals.GetProperty(LedgerKinds.ReportFirstResponse).GetInt64());
        Assert.False(next.GetProperty("figures").GetProperty(LedgerDay.TotalScope).TryGetProperty(LedgerKinds.ReportReceived, out _));

        var verified = await new LedgerVerifier(world.Hub.Client).VerifyAsync();
        Assert.True(verified.Ok, verified.Reason);
        Assert.True(await new LedgerVerifier(world.Hub.Client).VerifyProofAsync(
            LedgerStore.Key(today.AddDays(1)), LedgerDay.CorrectionScope(LedgerStore.Key(today), "district~330102"), LedgerKinds.ReportFirstResponse));
        await LedgerRecount.AssertMatchesAsync(world, world.Hub.Client);
    }

    private static void Configure(Dictionary<string, string?> settings, DateOnly today)
    {
        settings[HubHost.QueueLeaseSetting] = "00:00:05";
        settings["Ledger:SealGrace"] = "00:00:00";
        settings["Ledger:StartDate"] = LedgerStore.Key(today);

        // The test seals today on a clock of its own, ahead of the hub's: writers allow for that much skew.
        settings["Ledger:ClockSkew"] = "2.00:00:00";
    }

    private static async Task RouteAndAcknowledgeAsync(HubScenario world, List<string> routed, List<string> acknowledge, int platformUpdates)
    {
        foreach (var hubId in routed)
        {
            await world.WaitForStatusAsync(hubId, "routed");
        }

        foreach (var hubId in acknowledge)
        {
            using var ack = await LedgerEndToEndTests.AcknowledgeAsync(world, hubId, "ack-" + hubId);
            Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        }

        await world.Platform.WaitForAsync(r => r.Count(x => x.Text.Contains(HazardReportEvents.Updated, StringComparison.Ordinal)) >= platformUpdates);
    }

    /// <summary>Seals every day up to <paramref name="through"/> as the hourly timer would just after the next city midnight.</summary>
    private static async Task SealAsync(HubScenario world, DateOnly start, DateOnly through)
    {
        var midnight = through.AddDays(1).ToDateTime(TimeOnly.MinValue);
        var clock = new FakeTimeProvider(new DateTimeOffset(midnight, Shanghai.GetUtcOffset(midnight)).AddMinutes(1));
        var store = new LedgerStore(world.Storage.Hub);
        var options = Options.Create(new LedgerOptions { StartDate = LedgerStore.Key(start), SealGrace = TimeSpan.Zero });
        await new LedgerSealer(store, options, clock, NullLogger<LedgerSealer>.Instance).SealAsync();
    }

    private static async Task<JsonElement> DayAsync(HubScenario world, DateOnly day)
    {
        var sealedDay = await new LedgerStore(world.Storage.Hub).FindSealedAsync(day);
        Assert.NotNull(sealedDay);
        return JsonDocument.Parse(sealedDay.Json).RootElement.Clone();
    }

    /// <summary>Waits until the hub is quiet with every queue empty (delayed messages included).</summary>
    private static Task SettleAsync(HubScenario world) => world.QuietAsync(delayed: true);

    private static Task WaitForAsync(Func<Task<bool>> done, string what = "empty queues", TimeSpan? timeout = null) =>
        Eventually.UntilAsync(done, $"the hub never got to {what}", timeout);
}
