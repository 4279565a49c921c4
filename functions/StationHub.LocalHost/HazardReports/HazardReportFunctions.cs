using StationHub.HazardReports;
using StationHub.LocalHost.Hosting;
using StationHub.Triggers;

namespace StationHub.LocalHost.HazardReports;

/// <summary>The hazard-report flow's triggers on the local host: intake, status, Open311, city updates, routing, the 24-hour watch.</summary>
public static class HazardReportFunctions
{
    /// <summary>HTTP functions.</summary>
    public static void Map(IEndpointRouteBuilder app, LocalTriggerTable table)
    {
        app.MapFunction(table, FunctionNames.HazardReportReceived, "POST", Routes.HazardReports,
            (services, request, ct) => services.GetRequiredService<HazardReportIntake>().HandleAsync(request, ct));
        app.MapFunction(table, FunctionNames.HazardReportStatus, "GET", Routes.HazardReportStatus,
            (services, request, ct) => services.GetRequiredService<HazardReportStatusQuery>().HandleAsync(request, ct));
        app.MapFunction(table, FunctionNames.Open311Services, "GET", Routes.Open311Services,
            (services, request, _) => Task.FromResult(services.GetRequiredService<Open311Api>().Services(request)));
        app.MapFunction(table, FunctionNames.Open311Requests, "GET", Routes.Open311Requests,
            (services, request, ct) => services.GetRequiredService<Open311Api>().RequestsAsync(request, ct));
        app.MapFunction(table, FunctionNames.Open311Request, "GET", Routes.Open311Request,
            (services, request, ct) => services.GetRequiredService<Open311Api>().RequestAsync(request, ct));
        app.MapFunction(table, FunctionNames.Open311RequestUpdates, "GET", Routes.Open311RequestUpdates,
            (services, request, ct) => services.GetRequiredService<Open311Api>().UpdatesAsync(request, ct));
        app.MapFunction(table, FunctionNames.CityUpdateReceived, "POST", Routes.CityUpdates,
            (services, request, ct) => services.GetRequiredService<CityUpdates>().HandleAsync(request, ct));
    }

    /// <summary>Queue and timer functions, registered before the host is built.</summary>
    public static void Register(LocalTriggerTable table)
    {
        table.Queues.Add(new QueueFunction(FunctionNames.RouteHazardReport, Queues.HazardReportsAccepted,
            (services, message, ct) => services.GetRequiredService<HazardReportRouter>().HandleAsync(message, ct)));
        table.Queues.Add(new QueueFunction(FunctionNames.ApplyHazardReportUpdate, Queues.HazardReportUpdates,
            (services, message, ct) => services.GetRequiredService<HazardReportUpdateRouter>().HandleAsync(message, ct)));

        table.Timers.Add(new TimerFunction(FunctionNames.EscalateUnacknowledgedReports, Schedules.EscalateUnacknowledgedReports,
            (services, ct) => services.GetRequiredService<AcknowledgementWatch>().RunAsync(ct)));
    }
}
