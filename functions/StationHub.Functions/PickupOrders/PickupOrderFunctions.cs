using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using StationHub.Functions.Platform;
using StationHub.Triggers;

namespace StationHub.Functions.PickupOrders;

/// <summary>The pickup-order flow: platform webhooks, station actions, routing, expiry. Each method hands its trigger to the row of the same name.</summary>
public sealed class PickupOrderFunctions(FunctionRows rows)
{
    [Function(FunctionNames.PickupOrderReceived)]
    public Task<IActionResult> PickupOrderReceived(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.PickupOrders)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.PickupOrderReceived, request);

    [Function(FunctionNames.PickupOrderStatus)]
    public Task<IActionResult> PickupOrderStatus(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = Routes.PickupOrderStatus)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.PickupOrderStatus, request);

    [Function(FunctionNames.PickupOrderArrival)]
    public Task<IActionResult> PickupOrderArrival(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.PickupOrderArrival)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.PickupOrderArrival, request);

    [Function(FunctionNames.PickupOrderCollection)]
    public Task<IActionResult> PickupOrderCollection(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.PickupOrderCollection)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.PickupOrderCollection, request);

    [Function(FunctionNames.PickupOrderUnlock)]
    public Task<IActionResult> PickupOrderUnlock(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.PickupOrderUnlock)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.PickupOrderUnlock, request);

    [Function(FunctionNames.RoutePickupOrderEvent)]
    public Task RoutePickupOrderEvent(
        [QueueTrigger(Queues.PickupOrderEvents, Connection = Connections.Storage)] QueueMessage message,
        CancellationToken cancellationToken) =>
        rows.QueueAsync(FunctionNames.RoutePickupOrderEvent, message, cancellationToken);

    [Function(FunctionNames.ExpirePickupOrders)]
    public Task ExpirePickupOrders(
        [TimerTrigger(Schedules.ExpirePickupOrders)] TimerInfo timer,
        CancellationToken cancellationToken) =>
        rows.TimerAsync(FunctionNames.ExpirePickupOrders, cancellationToken);
}
