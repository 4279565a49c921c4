using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using StationHub.Functions.Platform;
using StationHub.Triggers;

namespace StationHub.Functions.Stations;

/// <summary>The warm map: live status in, the map out, the stale watch and the ledger figures. Each method hands its trigger to the row of the same name.</summary>
public sealed class StationFunctions(FunctionRows rows)
{
    [Function(FunctionNames.StationStatusReport)]
    public Task<IActionResult> StationStatusReport(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = Routes.StationStatus)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.StationStatusReport, request);

    [Function(FunctionNames.StationStatusReceived)]
    public Task<IActionResult> StationStatusReceived(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.PlatformStationStatus)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.StationStatusReceived, request);

    [Function(FunctionNames.StationsMap)]
    public Task<IActionResult> StationsMap(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = Routes.Stations)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.StationsMap, request);

    [Function(FunctionNames.StationsMapPage)]
    public Task<IActionResult> StationsMapPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = Routes.StationsMapPage)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.StationsMapPage, request);

    [Function(FunctionNames.StationsMapAssets)]
    public Task<IActionResult> StationsMapAssets(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = Routes.StationsMapAssets)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.StationsMapAssets, request);

    [Function(FunctionNames.MarkStaleStations)]
    public Task MarkStaleStations(
        [TimerTrigger(Schedules.MarkStaleStations)] TimerInfo timer,
        CancellationToken cancellationToken) =>
        rows.TimerAsync(FunctionNames.MarkStaleStations, cancellationToken);

    [Function(FunctionNames.PublishStationFigures)]
    public Task PublishStationFigures(
        [TimerTrigger(Schedules.PublishStationFigures)] TimerInfo timer,
        CancellationToken cancellationToken) =>
        rows.TimerAsync(FunctionNames.PublishStationFigures, cancellationToken);
}
