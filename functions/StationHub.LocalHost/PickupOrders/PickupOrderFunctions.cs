using StationHub.LocalHost.Hosting;
using StationHub.PickupOrders;
using StationHub.Triggers;

namespace StationHub.LocalHost.PickupOrders;

/// <summary>The pickup-order flow's triggers on the local host: platform webhooks, station actions, routing, expiry.</summary>
public static class PickupOrderFunctions
{
    /// <summary>HTTP functions.</summary>
    public static void Map(IEndpointRouteBuilder app, LocalTriggerTable table)
    {
        app.MapFunction(table, FunctionNames.PickupOrderReceived, "POST", Routes.PickupOrders,
            (services, request, ct) => services.GetRequiredService<PickupOrderIntake>().HandleAsync(request, ct));
        app.MapFunction(table, FunctionNames.PickupOrderStatus, "GET", Routes.PickupOrderStatus,
            (services, request, ct) => services.GetRequiredService<PickupOrderStatusQuery>().HandleAsync(request, ct));
        app.MapFunction(table, FunctionNames.PickupOrderArrival, "POST", Routes.PickupOrderArrival,
            (services, request, ct) => services.GetRequiredService<StationActions>().ArrivalAsync(request, ct));
        app.MapFunction(table, FunctionNames.PickupOrderCollection, "POST", Routes.PickupOrderCollection,
            (services, request, ct) => services.GetRequiredService<StationActions>().CollectionAsync(request, ct));
        app.MapFunction(table, FunctionNames.PickupOrderUnlock, "POST", Routes.PickupOrderUnlock,
            (services, request, ct) => services.GetRequiredService<StationActions>().UnlockAsync(request, ct));
    }

    /// <summary>Queue and timer functions, registered before the host is built.</summary>
    public static void Register(LocalTriggerTable table)
    {
        table.Queues.Add(new QueueFunction(FunctionNames.RoutePickupOrderEvent, Queues.PickupOrderEvents,
            (services, message, ct) => services.GetRequiredService<PickupOrderRouter>().HandleAsync(message, ct)));

        table.Timers.Add(new TimerFunction(FunctionNames.ExpirePickupOrders, Schedules.ExpirePickupOrders,
            (services, ct) => services.GetRequiredService<PickupExpiry>().RunAsync(ct)));
    }
}
