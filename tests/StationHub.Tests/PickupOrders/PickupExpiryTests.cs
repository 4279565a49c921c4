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
public sealed class PickupExpiryTests : IAsyncLifetime
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 20, 2, 0, 0, TimeSpan.Zero));
    private TestStorage storage = null!;
    private ServiceProvider services = null!;

    public async Task InitializeAsync()
    {
        storage = await TestStorage.CreateAsync();
        var registry = new TestRegistry(new Uri("http://127.0.0.1:9/c"), new Uri("http://127.0.0.1:9/o"), new Uri("http://127.0.0.1:9/p"), new Uri("http://127.0.0.1:9/q"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(registry.Settings(storage.ConnectionString, storage.Prefix)).Build();
        services = new ServiceCollection().AddLogging().AddStationHub(configuration).AddSingleton<TimeProvider>(clock).BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await services.DisposeAsync();
        await storage.DisposeAsync();
    }

    [Fact]
    public async Task An_arrived_order_not_collected_within_its_window_expires_once_and_the_platform_is_told()
    {
        var order = new PickupOrder(PickupOrder.HubIdFor("swiftride", "o-late"), "swiftride", "o-late", "st-hz-01", 1, 300, 0, null, 72, clock.GetUtcNow());
        await RouteAsync(new PickupOrderEvent(1, "c", clock.GetUtcNow(), PickupOrderEventKind.Created, order.HubId, "a1", order));
        clock.Advance(TimeSpan.FromHours(1));
        await RouteAsync(new PickupOrderEvent(1, "c", clock.GetUtcNow(), PickupOrderEventKind.Arrived, order.HubId, "a2", PickupCode: "123456"));
        var expiry = services.GetRequiredService<PickupExpiry>();

        clock.Advance(TimeSpan.FromHours(71.9));
        Assert.Equal(0, await expiry.RunAsync());

        clock.Advance(TimeSpan.FromHours(0.2));
        Assert.Equal(1, await expiry.RunAsync());
        Assert.Equal(0, await expiry.RunAsync());
        await DrainAsync();

        var entity = await services.GetRequiredService<PickupOrderStore>().FindAsync(order.HubId);
        Assert.Equal("expired", entity!.Status);
        var platformEvents = (await storage.Hub.Queue(Queues.Deliveries).PeekMessagesAsync(32)).Value
            .Select(m => JsonDocument.Parse(m.Body.ToString()).RootElement.GetProperty("eventType").GetString())
            .ToList();
        Assert.Equal(["pickup_order.ready", "pickup_order.expired"], platformEvents);
        var kinds = new List<string>();
        foreach (var e in await storage.LedgerEntriesAsync())
        {
            kinds.Add(e.Kind);
        }

        Assert.Contains(LedgerKinds.PickupExpired, kinds);
        Assert.DoesNotContain(kinds, k => k.StartsWith("pickup.revenue", StringComparison.Ordinal));
        var due = 0;
        await foreach (var _ in services.GetRequiredService<PickupOrderStore>().DueAsync(clock.GetUtcNow().AddYears(1)))
        {
            due++;
        }

        Assert.Equal(0, due);
    }

    private Task RouteAsync(PickupOrderEvent change) =>
        services.GetRequiredService<PickupOrderRouter>().HandleAsync(BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(change, HubJsonContext.Default.PickupOrderEvent)));

    /// <summary>Runs the queue function over what the timer queued, as the queue trigger would.</summary>
    private async Task DrainAsync()
    {
        var queue = storage.Hub.Queue(Queues.PickupOrderEvents);
        foreach (var message in (await queue.ReceiveMessagesAsync(32)).Value)
        {
            await services.GetRequiredService<PickupOrderRouter>().HandleAsync(message.Body);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
        }
    }
}
