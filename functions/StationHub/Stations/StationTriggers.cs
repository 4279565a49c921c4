using StationHub.Triggers;

namespace StationHub.Stations;

/// <summary>The warm map's functions: live status in, the map out (GeoJSON and page), the platforms' notices, the stale watch and the ledger figures.</summary>
public static class StationTriggers
{
    public static IReadOnlyList<TriggerFunction> All { get; } =
    [
        HttpFunction.Put<StationStatusIntake>(FunctionNames.StationStatusReport, Routes.StationStatus, (intake, request, ct) => intake.PutAsync(request, ct)),
        HttpFunction.Post<StationStatusIntake>(FunctionNames.StationStatusReceived, Routes.PlatformStationStatus, (intake, request, ct) => intake.WebhookAsync(request, ct)),
        HttpFunction.Get<StationMapApi>(FunctionNames.StationsMap, Routes.Stations, (api, request, ct) => api.HandleAsync(request, ct)),
        HttpFunction.Get<StationMapPage>(FunctionNames.StationsMapPage, Routes.StationsMapPage, (page, request, ct) => page.HandleAsync(request, ct)),
        QueueFunction.For<StationNotices>(FunctionNames.SendStationNotices, Queues.StationNotices, (notices, message, ct) => notices.HandleAsync(message, ct)),
        TimerFunction.For<StationWatch>(FunctionNames.MarkStaleStations, Schedules.MarkStaleStations, (watch, ct) => watch.MarkStaleAsync(ct)),
        TimerFunction.For<StationWatch>(FunctionNames.PublishStationFigures, Schedules.PublishStationFigures, (watch, ct) => watch.PublishFiguresAsync(ct)),
    ];
}
