using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StationHub.Ledger;
using StationHub.PickupOrders;
using StationHub.Platform;
using StationHub.Platform.Json;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.PickupOrders;

/// <summary>Expiry on a fake clock over the real library and a real Azurite.</summary>
public sealed class PickupExpiryTests() : HubLibraryTests(new(2026, 11, 20, 2, 0, 0, TimeSpan.Zero))
{
    [Fact]
    public async Task An_arrived_order_not_collected_within_its_window_expires_once_and_the_platform_is_told()
    {
        var order = new PickupOrder(PickupOrder.HubIdFor("swiftride", "o-late"), "swiftride", "o-late", "st-hz-01", 1, 300, 0, null, 72, Clock.GetUtcNow());
        await RouteAsync(new PickupOrderEvent(1, "c", Clock.GetUtcNow(), PickupOrderEventKind.Created, order.HubId, "a1", order));
        Clock.Advance(TimeSpan.FromHours(1));
        await RouteAsync(new PickupOrderEvent(1, "c", Clock.GetUtcNow(), PickupOrderEventKind.Arrived, order.HubId, "a2", PickupCode: "123456"));
        var expiry = Services.GetRequiredService<PickupExpiry>();

        Clock.Advance(TimeSpan.FromHours(71.9));
        Assert.Equal(0, await expiry.RunAsync());

        Clock.Advance(TimeSpan.FromHours(0.2));
        Assert.Equal(1, await expiry.RunAsync());
        Assert.Equal(0, await expiry.RunAsync());
        await DrainAsync(1);

        var entity = await Services.GetRequiredService<PickupOrderStore>().FindAsync(order.HubId);
        Assert.Equal("expired", entity!.Status);
        var platformEvents = (await Storage.PeekDeliveriesAsync())
            .Select(m => JsonDocument.Parse(m.Body.ToString()).RootElement.GetProperty("eventType").GetString())
            .ToList();
        Assert.Equal(["pickup_order.expired", "pickup_order.ready"], platformEvents.Order());
        var kinds = new List<string>();
        foreach (var e in await Storage.LedgerEntriesAsync())
        {
            kinds.Add(e.Kind);
        }

        Assert.Contains(LedgerKinds.PickupExpired, kinds);
        Assert.DoesNotContain(kinds, k => k.StartsWith("pickup.revenue", StringComparison.Ordinal));
        var due = 0;
        await foreach (var _ in Services.GetRequiredService<PickupOrderStore>().DueAsync(Clock.GetUtcNow().AddYears(1)))
        {
            due++;
        }

        Assert.Equal(0, due);
    }

    private Task RouteAsync(PickupOrderEvent change) =>
        Services.GetRequiredService<PickupOrderRouter>().HandleAsync(BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(change, HubJsonContext.Default.PickupOrderEvent)));

    /// <summary>Runs the queue function over the events the timer queued, as the queue trigger would (once their head start is over).</summary>
    private async Task DrainAsync(int events)
    {
        var queue = Storage.Hub.Queue(Queues.PickupOrderEvents);
        foreach (var message in await Storage.ReceiveAsync(Queues.PickupOrderEvents, events))
        {
            await Services.GetRequiredService<PickupOrderRouter>().HandleAsync(message.Body);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
        }
    }
}
