using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using StationHub.Functions.Platform;
using StationHub.Triggers;

namespace StationHub.Functions.HazardReports;

/// <summary>The hazard-report flow: intake, status, Open311, city updates, routing, the 24-hour watch. Each method hands its trigger to the row of the same name.</summary>
public sealed class HazardReportFunctions(FunctionRows rows)
{
    [Function(FunctionNames.HazardReportReceived)]
    public Task<IActionResult> HazardReportReceived(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.HazardReports)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.HazardReportReceived, request);

    [Function(FunctionNames.HazardReportStatus)]
    public Task<IActionResult> HazardReportStatus(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = Routes.HazardReportStatus)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.HazardReportStatus, request);

    [Function(FunctionNames.Open311Services)]
    public Task<IActionResult> Open311Services(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = Routes.Open311Services)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.Open311Services, request);

    [Function(FunctionNames.Open311Requests)]
    public Task<IActionResult> Open311Requests(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = Routes.Open311Requests)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.Open311Requests, request);

    [Function(FunctionNames.Open311Request)]
    public Task<IActionResult> Open311Request(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = Routes.Open311Request)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.Open311Request, request);

    [Function(FunctionNames.Open311RequestUpdates)]
    public Task<IActionResult> Open311RequestUpdates(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = Routes.Open311RequestUpdates)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.Open311RequestUpdates, request);

    [Function(FunctionNames.CityUpdateReceived)]
    public Task<IActionResult> CityUpdateReceived(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.CityUpdates)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.CityUpdateReceived, request);

    [Function(FunctionNames.RouteHazardReport)]
    public Task RouteHazardReport(
        [QueueTrigger(Queues.HazardReportsAccepted, Connection = Connections.Storage)] QueueMessage message,
        CancellationToken cancellationToken) =>
        rows.QueueAsync(FunctionNames.RouteHazardReport, message, cancellationToken);

    [Function(FunctionNames.ApplyHazardReportUpdate)]
    public Task ApplyHazardReportUpdate(
        [QueueTrigger(Queues.HazardReportUpdates, Connection = Connections.Storage)] QueueMessage message,
        CancellationToken cancellationToken) =>
        rows.QueueAsync(FunctionNames.ApplyHazardReportUpdate, message, cancellationToken);

    [Function(FunctionNames.EscalateUnacknowledgedReports)]
    public Task EscalateUnacknowledgedReports(
        [TimerTrigger(Schedules.EscalateUnacknowledgedReports)] TimerInfo timer,
        CancellationToken cancellationToken) =>
        rows.TimerAsync(FunctionNames.EscalateUnacknowledgedReports, cancellationToken);
}
