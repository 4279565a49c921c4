using StationHub.Platform.Security;
using StationHub.Triggers;

namespace StationHub.PickupOrders;

/// <summary>The pickup-order flow's functions: platform webhooks, station actions, routing, expiry.</summary>
public static class PickupOrderTriggers
{
    public static IReadOnlyList<TriggerFunction> All { get; } =
    [
        HttpFunction.Webhook<PickupOrderIntake>(FunctionNames.PickupOrderReceived, Routes.PickupOrders),
        HttpFunction.Get<PickupOrderStatusQuery>(FunctionNames.PickupOrderStatus, Routes.PickupOrderStatus, Caller.PlatformKey, (query, request, ct) => query.HandleAsync(request, ct)),
        HttpFunction.Post<StationActions>(FunctionNames.PickupOrderArrival, Routes.PickupOrderArrival, Caller.StationKey, (station, request, ct) => station.ArrivalAsync(request, ct)),
        HttpFunction.Post<StationActions>(FunctionNames.PickupOrderCollection, Routes.PickupOrderCollection, Caller.StationKey, (station, request, ct) => station.CollectionAsync(request, ct)),
        HttpFunction.Post<StationActions>(FunctionNames.PickupOrderUnlock, Routes.PickupOrderUnlock, Caller.StationKey, (station, request, ct) => station.UnlockAsync(request, ct)),
        QueueFunction.For<PickupOrderRouter>(FunctionNames.RoutePickupOrderEvent, Queues.PickupOrderEvents, (router, message, ct) => router.HandleAsync(message, ct)),
        TimerFunction.For<PickupExpiry>(FunctionNames.ExpirePickupOrders, Schedules.ExpirePickupOrders, (expiry, ct) => expiry.RunAsync(ct)),
    ];
}
