using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using StationHub.Functions.Platform;
using StationHub.HazardReports;
using StationHub.Triggers;

namespace StationHub.Functions.HazardReports;

/// <summary>The hazard-report flow's triggers: intake, status, Open311, city updates, routing, the 24-hour watch.</summary>
public sealed class HazardReportFunctions(
    HazardReportIntake intake,
    HazardReportStatusQuery status,
    Open311Api open311,
    CityUpdates cityUpdates,
    HazardReportRouter router,
    HazardReportUpdateRouter updateRouter,
    AcknowledgementWatch acknowledgementWatch)
{
    [Function(FunctionNames.HazardReportReceived)]
    public Task<HttpResponseData> HazardReportReceived(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.HazardReports)] HttpRequestData request,
        CancellationToken cancellationToken) =>
        request.HandleAsync(intake.HandleAsync, cancellationToken);

    [Function(FunctionNames.HazardReportStatus)]
    public Task<HttpResponseData> HazardReportStatus(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.HazardReportStatus)] HttpRequestData request,
        CancellationToken cancellationToken) =>
        request.HandleAsync(status.HandleAsync, cancellationToken);

    [Function(FunctionNames.Open311Services)]
    public Task<HttpResponseData> Open311Services(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Open311Services)] HttpRequestData request,
        CancellationToken cancellationToken) =>
        request.HandleAsync((hubRequest, _) => Task.FromResult(open311.Services(hubRequest)), cancellationToken);

    [Function(FunctionNames.Open311Requests)]
    public Task<HttpResponseData> Open311Requests(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Open311Requests)] HttpRequestData request,
        CancellationToken cancellationToken) =>
        request.HandleAsync(open311.RequestsAsync, cancellationToken);

    [Function(FunctionNames.Open311Request)]
    public Task<HttpResponseData> Open311Request(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Open311Request)] HttpRequestData request,
        CancellationToken cancellationToken) =>
        request.HandleAsync(open311.RequestAsync, cancellationToken);

    [Function(FunctionNames.Open311RequestUpdates)]
    public Task<HttpResponseData> Open311RequestUpdates(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Open311RequestUpdates)] HttpRequestData request,
        CancellationToken cancellationToken) =>
        request.HandleAsync(open311.UpdatesAsync, cancellationToken);

    [Function(FunctionNames.CityUpdateReceived)]
    public Task<HttpResponseData> CityUpdateReceived(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.CityUpdates)] HttpRequestData request,
        CancellationToken cancellationToken) =>
        request.HandleAsync(cityUpdates.HandleAsync, cancellationToken);

    [Function(FunctionNames.RouteHazardReport)]
    public Task RouteHazardReport(
        [QueueTrigger(Queues.HazardReportsAccepted)] QueueMessage message,
        CancellationToken cancellationToken) =>
        router.HandleAsync(message.Body, cancellationToken);

    [Function(FunctionNames.ApplyHazardReportUpdate)]
    public Task ApplyHazardReportUpdate(
        [QueueTrigger(Queues.HazardReportUpdates)] QueueMessage message,
        CancellationToken cancellationToken) =>
        updateRouter.HandleAsync(message.Body, cancellationToken);

    [Function(FunctionNames.EscalateUnacknowledgedReports)]
    public Task EscalateUnacknowledgedReports(
        [TimerTrigger(Schedules.EscalateUnacknowledgedReports)] TimerInfo timer,
        CancellationToken cancellationToken) =>
        acknowledgementWatch.RunAsync(cancellationToken);
}
