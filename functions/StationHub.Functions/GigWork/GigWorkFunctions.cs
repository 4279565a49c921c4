using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using StationHub.Functions.Platform;
using StationHub.Triggers;

namespace StationHub.Functions.GigWork;

/// <summary>The gig-work flow: platform webhooks and status, the public standings, applying events, overdue pay, the year's tally. Each method hands its trigger to the row of the same name.</summary>
public sealed class GigWorkFunctions(FunctionRows rows)
{
    [Function(FunctionNames.GigWorkReceived)]
    public Task<IActionResult> GigWorkReceived(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.GigWork)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.GigWorkReceived, request);

    [Function(FunctionNames.GigWorkStatus)]
    public Task<IActionResult> GigWorkStatus(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = Routes.GigWorkStatus)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.GigWorkStatus, request);

    [Function(FunctionNames.GigWorkStations)]
    public Task<IActionResult> GigWorkStations(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = Routes.GigWorkStations)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.GigWorkStations, request);

    [Function(FunctionNames.ApplyGigWorkEvent)]
    public Task ApplyGigWorkEvent(
        [QueueTrigger(Queues.GigWorkEvents, Connection = Connections.Storage)] QueueMessage message,
        CancellationToken cancellationToken) =>
        rows.QueueAsync(FunctionNames.ApplyGigWorkEvent, message, cancellationToken);

    [Function(FunctionNames.FlagOverdueGigPayments)]
    public Task FlagOverdueGigPayments(
        [TimerTrigger(Schedules.FlagOverdueGigPayments)] TimerInfo timer,
        CancellationToken cancellationToken) =>
        rows.TimerAsync(FunctionNames.FlagOverdueGigPayments, cancellationToken);

    [Function(FunctionNames.TallyGigWorkYear)]
    public Task TallyGigWorkYear(
        [TimerTrigger(Schedules.TallyGigWorkYear)] TimerInfo timer,
        CancellationToken cancellationToken) =>
        rows.TimerAsync(FunctionNames.TallyGigWorkYear, cancellationToken);
}
