using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using StationHub.Functions.Platform;
using StationHub.PickupOrders;
using StationHub.Triggers;

namespace StationHub.Functions.PickupOrders;

/// <summary>The pickup-order flow's triggers: platform webhooks, station actions, routing, expiry.</summary>
public sealed class PickupOrderFunctions(
    PickupOrderIntake intake,
    PickupOrderStatusQuery status,
    StationActions station,
    PickupOrderRouter router,
    PickupExpiry expiry)
{
    [Function(FunctionNames.PickupOrderReceived)]
    public Task<HttpResponseData> PickupOrderReceived(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.PickupOrders)] HttpRequestData request,
        CancellationToken cancellationToken) =>
        request.HandleAsync(intake.HandleAsync, cancellationToken);

    [Function(FunctionNames.PickupOrderStatus)]
    public Task<HttpResponseData> PickupOrderStatus(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.PickupOrderStatus)] HttpRequestData request,
        CancellationToken cancellationToken) =>
        request.HandleAsync(status.HandleAsync, cancellationToken);

    [Function(FunctionNames.PickupOrderArrival)]
    public Task<HttpResponseData> PickupOrderArrival(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.PickupOrderArrival)] HttpRequestData request,
        CancellationToken cancellationToken) =>
        request.HandleAsync(station.ArrivalAsync, cancellationToken);

    [Function(FunctionNames.PickupOrderCollection)]
    public Task<HttpResponseData> PickupOrderCollection(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.PickupOrderCollection)] HttpRequestData request,
        CancellationToken cancellationToken) =>
        request.HandleAsync(station.CollectionAsync, cancellationToken);

    [Function(FunctionNames.PickupOrderUnlock)]
    public Task<HttpResponseData> PickupOrderUnlock(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.PickupOrderUnlock)] HttpRequestData request,
        CancellationToken cancellationToken) =>
        request.HandleAsync(station.UnlockAsync, cancellationToken);

    [Function(FunctionNames.RoutePickupOrderEvent)]
    public Task RoutePickupOrderEvent(
        [QueueTrigger(Queues.PickupOrderEvents)] QueueMessage message,
        CancellationToken cancellationToken) =>
        router.HandleAsync(message.Body, cancellationToken);

    [Function(FunctionNames.ExpirePickupOrders)]
    public Task ExpirePickupOrders(
        [TimerTrigger(Schedules.ExpirePickupOrders)] TimerInfo timer,
        CancellationToken cancellationToken) =>
        expiry.RunAsync(cancellationToken);
}
