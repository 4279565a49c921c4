using StationHub.Platform.Security;
using StationHub.Triggers;

namespace StationHub.Stations;

/// <summary>The warm map's functions: live status in, the map out (GeoJSON and page), the stale watch and the ledger figures.</summary>
public static class StationTriggers
{
    public static IReadOnlyList<TriggerFunction> All { get; } =
    [
        HttpFunction.Put<StationStatusIntake>(FunctionNames.StationStatusReport, Routes.StationStatus, Caller.StationKey, (intake, request, ct) => intake.PutAsync(request, ct)),
        HttpFunction.Webhook<StationStatusIntake>(FunctionNames.StationStatusReceived, Routes.PlatformStationStatus),
        HttpFunction.Get<StationMapApi>(FunctionNames.StationsMap, Routes.Stations, Caller.Public, (api, request, ct) => api.HandleAsync(request, ct)),
        HttpFunction.Get<StationMapPage>(FunctionNames.StationsMapPage, Routes.StationsMapPage, Caller.Public, (page, request, ct) => page.HandleAsync(request, ct)),
        HttpFunction.Get<StationMapAssets>(FunctionNames.StationsMapAssets, Routes.StationsMapAssets, Caller.Public, (assets, request, _) => Task.FromResult(assets.Handle(request))),
        TimerFunction.For<StationWatch>(FunctionNames.MarkStaleStations, Schedules.MarkStaleStations, (watch, ct) => watch.MarkStaleAsync(ct)),
        TimerFunction.For<StationWatch>(FunctionNames.PublishStationFigures, Schedules.PublishStationFigures, (watch, ct) => watch.PublishFiguresAsync(ct)),
    ];
}
