using StationHub.Ledger;
using StationHub.LocalHost.Hosting;
using StationHub.Triggers;

namespace StationHub.LocalHost.Ledger;

/// <summary>The public ledger's triggers on the local host: the API, the page, compiling and sealing.</summary>
public static class LedgerFunctions
{
    /// <summary>HTTP functions.</summary>
    public static void Map(IEndpointRouteBuilder app, LocalTriggerTable table)
    {
        app.MapFunction(table, FunctionNames.LedgerDays, "GET", Routes.Ledger,
            (services, request, ct) => services.GetRequiredService<LedgerApi>().DaysAsync(request, ct));
        app.MapFunction(table, FunctionNames.LedgerDay, "GET", Routes.LedgerDay,
            (services, request, ct) => services.GetRequiredService<LedgerApi>().DayAsync(request, ct));
        app.MapFunction(table, FunctionNames.LedgerProof, "GET", Routes.LedgerProof,
            (services, request, ct) => services.GetRequiredService<LedgerApi>().ProofAsync(request, ct));
        app.MapFunction(table, FunctionNames.LedgerPage, "GET", Routes.LedgerPage,
            (services, request, ct) => services.GetRequiredService<LedgerPage>().HandleAsync(request, ct));
    }

    /// <summary>Timer functions, registered before the host is built.</summary>
    public static void Register(LocalTriggerTable table)
    {
        table.Timers.Add(new TimerFunction(FunctionNames.CompileLedger, Schedules.CompileLedger,
            (services, ct) => services.GetRequiredService<LedgerSealer>().CompileTodayAsync(ct)));
        table.Timers.Add(new TimerFunction(FunctionNames.SealLedger, Schedules.SealLedger,
            (services, ct) => services.GetRequiredService<LedgerSealer>().SealAsync(ct)));
    }
}
