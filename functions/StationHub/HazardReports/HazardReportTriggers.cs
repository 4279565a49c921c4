using StationHub.Platform.Security;
using StationHub.Triggers;

namespace StationHub.HazardReports;

/// <summary>The hazard-report flow's functions: intake, status, Open311, city updates, routing, the 24-hour watch.</summary>
public static class HazardReportTriggers
{
    public static IReadOnlyList<TriggerFunction> All { get; } =
    [
        HttpFunction.Webhook<HazardReportIntake>(FunctionNames.HazardReportReceived, Routes.HazardReports),
        HttpFunction.Get<HazardReportStatusQuery>(FunctionNames.HazardReportStatus, Routes.HazardReportStatus, Caller.PlatformKey, (query, request, ct) => query.HandleAsync(request, ct)),
        HttpFunction.Get<Open311Api>(FunctionNames.Open311Services, Routes.Open311Services, Caller.Public, (open311, request, _) => Task.FromResult(open311.Services(request))),
        HttpFunction.Get<Open311Api>(FunctionNames.Open311Requests, Routes.Open311Requests, Open311Api.Caller, (open311, request, ct) => open311.RequestsAsync(request, ct)),
        HttpFunction.Get<Open311Api>(FunctionNames.Open311Request, Routes.Open311Request, Open311Api.Caller, (open311, request, ct) => open311.RequestAsync(request, ct)),
        HttpFunction.Get<Open311Api>(FunctionNames.Open311RequestUpdates, Routes.Open311RequestUpdates, Open311Api.Caller, (open311, request, ct) => open311.UpdatesAsync(request, ct)),
        HttpFunction.Post<CityUpdates>(FunctionNames.CityUpdateReceived, Routes.CityUpdates, Caller.CityKey, (updates, request, ct) => updates.HandleAsync(request, ct)),
        QueueFunction.For<HazardReportRouter>(FunctionNames.RouteHazardReport, Queues.HazardReportsAccepted, (router, message, ct) => router.HandleAsync(message, ct)),
        QueueFunction.For<HazardReportUpdateRouter>(FunctionNames.ApplyHazardReportUpdate, Queues.HazardReportUpdates, (router, message, ct) => router.HandleAsync(message, ct)),
        TimerFunction.For<AcknowledgementWatch>(FunctionNames.EscalateUnacknowledgedReports, Schedules.EscalateUnacknowledgedReports, (watch, ct) => watch.RunAsync(ct)),
    ];
}
